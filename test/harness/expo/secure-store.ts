/**
 * An in-memory stand-in for expo-secure-store: the token cache @clerk/expo's default
 * tokenCache (dist/token-cache) reads and writes __clerk_client_jwt through. One per device:
 * like the keychain, it survives JS reloads.
 */
export class InMemorySecureStore {
  readonly items = new Map<string, string>();
  readonly writes: { key: string; value: string | null }[] = [];

  module(): Record<string, unknown> {
    return {
      AFTER_FIRST_UNLOCK: 0,
      getItemAsync: async (key: string) => this.items.get(key) ?? null,
      setItemAsync: async (key: string, value: string) => {
        this.items.set(key, value);
        this.writes.push({ key, value });
      },
      deleteItemAsync: async (key: string) => {
        this.items.delete(key);
        this.writes.push({ key, value: null });
      },
    };
  }
}
