import { describe, expect, it } from 'vitest';
import { InMemorySecureStore } from './secure-store.ts';

/** The simulated expo-secure-store under each reading of its locked-keychain rules (README: "Secure store rules"). */
type Api = {
  getItemAsync(k: string): Promise<string | null>;
  setItemAsync(k: string, v: string): Promise<void>;
  deleteItemAsync(k: string): Promise<void>;
};
const KEY = '__clerk_client_jwt';

function lockedStoreHolding(value: string, failures: ConstructorParameters<typeof InMemorySecureStore>[0] = {}) {
  const store = new InMemorySecureStore(failures);
  store.items.set(KEY, value);
  store.locked = true;
  return { store, api: store.module() as unknown as Api };
}

describe('InMemorySecureStore while the iOS keychain is locked', () => {
  it('reads reject with ERR_KEY_CHAIN until unlock, then answer', async () => {
    const { store, api } = lockedStoreHolding('jwt_1');
    await expect(api.getItemAsync(KEY)).rejects.toMatchObject({ code: 'ERR_KEY_CHAIN', message: /User interaction is not allowed/ });
    store.unlock();
    await expect(api.getItemAsync(KEY)).resolves.toBe('jwt_1');
  });

  it('default readings: a delete resolves and removes the item; a write lands', async () => {
    const { store, api } = lockedStoreHolding('jwt_1');
    await expect(api.deleteItemAsync(KEY)).resolves.toBeUndefined();
    expect(store.items.has(KEY)).toBe(false);
    await expect(api.setItemAsync(KEY, 'jwt_2')).resolves.toBeUndefined();
    expect(store.items.get(KEY)).toBe('jwt_2');
  });

  it("lockedDeletes 'fail-silently': the delete still resolves, and the item stays", async () => {
    const { store, api } = lockedStoreHolding('jwt_1', { lockedDeletes: 'fail-silently' });
    await expect(api.deleteItemAsync(KEY)).resolves.toBeUndefined();
    expect(store.items.get(KEY)).toBe('jwt_1');
    expect(store.calls.at(-1)).toMatchObject({ op: 'delete', outcome: { error: expect.any(String) } });
    store.unlock();
    await api.deleteItemAsync(KEY);
    expect(store.items.has(KEY)).toBe(false);
  });

  it("lockedWrites 'reject': a write rejects with ERR_KEY_CHAIN and changes nothing; after unlock it lands", async () => {
    const { store, api } = lockedStoreHolding('jwt_1', { lockedWrites: 'reject' });
    await expect(api.setItemAsync(KEY, 'jwt_2')).rejects.toMatchObject({ code: 'ERR_KEY_CHAIN' });
    expect(store.items.get(KEY)).toBe('jwt_1');
    expect(store.writes).toEqual([]);
    store.unlock();
    await api.setItemAsync(KEY, 'jwt_2');
    expect(store.items.get(KEY)).toBe('jwt_2');
  });
});
