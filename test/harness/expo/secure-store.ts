/**
 * An in-memory stand-in for expo-secure-store: the token cache @clerk/expo's default
 * tokenCache (dist/token-cache) reads and writes __clerk_client_jwt through. One per device:
 * like the keychain, it survives JS reloads.
 *
 * Failures expo-secure-store really raises on a read (getItemAsync), as JS sees them (an Error
 * with a string `code`, the message expo-modules-core builds; see expo-secure-store's
 * SecureStoreModule.swift / .kt):
 * - `locked`: iOS keychain locked (before first unlock, prewarm, background launch):
 *   every read rejects with code "ERR_KEY_CHAIN", "…User interaction is not allowed.", until
 *   `unlock()`. Deletes never reject on iOS.
 * - `transientReads: n`: Android, the next n reads reject with code "ERR_DECRYPT"; later reads
 *   answer normally.
 */
export interface SecureStoreFailures {
  locked?: boolean;
  transientReads?: number;
}

export interface SecureStoreCall {
  op: 'get' | 'set' | 'delete';
  key: string;
  /** For a get: the value answered, or the error code it rejected with. */
  outcome?: string | null | { error: string };
}

export function keychainLockedError(): Error & { code: string } {
  return Object.assign(new Error("Calling the 'getValueWithKeyAsync' function has failed\n→ Caused by: User interaction is not allowed."), {
    code: 'ERR_KEY_CHAIN',
  });
}

export function decryptError(key: string): Error & { code: string } {
  return Object.assign(
    new Error(
      `Call to function 'ExpoSecureStore.getValueWithKeyAsync' has been rejected.\n→ Caused by: Could not decrypt the value for key '${key}' under keychain 'key_v1'. Caused by: javax.crypto.AEADBadTagException`,
    ),
    { code: 'ERR_DECRYPT' },
  );
}

export class InMemorySecureStore {
  readonly items = new Map<string, string>();
  readonly writes: { key: string; value: string | null }[] = [];
  /** Every call in order (reads included). */
  readonly calls: SecureStoreCall[] = [];
  locked: boolean;
  private transientReads: number;

  constructor(failures: SecureStoreFailures = {}) {
    this.locked = failures.locked ?? false;
    this.transientReads = failures.transientReads ?? 0;
  }

  /** The device is unlocked: reads answer again. */
  unlock(): void {
    this.locked = false;
  }

  /** From now on, the next `n` reads fail as Android's decrypt failure does. */
  failNextReads(n: number): void {
    this.transientReads = n;
  }

  private read(key: string): string | null {
    if (this.locked) {
      this.calls.push({ op: 'get', key, outcome: { error: 'ERR_KEY_CHAIN' } });
      throw keychainLockedError();
    }
    if (this.transientReads > 0) {
      this.transientReads--;
      this.calls.push({ op: 'get', key, outcome: { error: 'ERR_DECRYPT' } });
      throw decryptError(key);
    }
    const value = this.items.get(key) ?? null;
    this.calls.push({ op: 'get', key, outcome: value });
    return value;
  }

  module(): Record<string, unknown> {
    return {
      AFTER_FIRST_UNLOCK: 0,
      getItemAsync: async (key: string) => this.read(key),
      setItemAsync: async (key: string, value: string) => {
        this.items.set(key, value);
        this.writes.push({ key, value });
        this.calls.push({ op: 'set', key });
      },
      deleteItemAsync: async (key: string) => {
        this.items.delete(key);
        this.writes.push({ key, value: null });
        this.calls.push({ op: 'delete', key });
      },
    };
  }
}
