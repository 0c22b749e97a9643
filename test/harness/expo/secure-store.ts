import { stamp } from '../event-order.ts';

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
 *   `unlock()`. A delete never rejects on iOS (deleteValueWithKeyAsync ignores SecItemDelete's
 *   status); whether the item is really gone while locked is `lockedDeletes`. Whether a write
 *   while locked lands is `lockedWrites`.
 * - `transientReads: n`: Android, the next n reads reject with code "ERR_DECRYPT"; later reads
 *   answer normally.
 * Evidence and confidence of each rule: test/harness/expo/README.md ("Secure store rules").
 */
export interface SecureStoreFailures {
  locked?: boolean;
  transientReads?: number;
  /**
   * A delete while locked resolves in both readings; `succeed` (default, assumed): the item is
   * removed; `fail-silently`: SecItemDelete failed and the item stays.
   */
  lockedDeletes?: LockedKeychainDeletes;
  /**
   * A write while locked: `succeed` (default, assumed: the harness's behaviour so far) or `reject`
   * (SecItemAdd fails with errSecInteractionNotAllowed; expo-secure-store rejects with ERR_KEY_CHAIN).
   */
  lockedWrites?: LockedKeychainWrites;
}

export type LockedKeychainDeletes = 'succeed' | 'fail-silently';
export type LockedKeychainWrites = 'succeed' | 'reject';

export interface SecureStoreCall {
  op: 'get' | 'set' | 'delete';
  key: string;
  /** For a get: the value answered, or the error code it rejected with; for a set or delete: what failed (unset: it landed). */
  outcome?: string | null | { error: string };
  /** When (event-order.ts): virtual ms and the ordinal. */
  at?: number;
  ord?: number;
}

export function keychainLockedError(): Error & { code: string } {
  return Object.assign(new Error("Calling the 'getValueWithKeyAsync' function has failed\n→ Caused by: User interaction is not allowed."), {
    code: 'ERR_KEY_CHAIN',
  });
}

export function keychainLockedWriteError(): Error & { code: string } {
  return Object.assign(new Error("Calling the 'setValueWithKeyAsync' function has failed\n→ Caused by: User interaction is not allowed."), {
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
  readonly lockedDeletes: LockedKeychainDeletes;
  /** Ids of the ASSUMED_RULES (test/harness/assumed-rules.ts) whose reading decided an operation of this store. */
  readonly assumedRulesApplied = new Set<string>();
  readonly lockedWrites: LockedKeychainWrites;
  private transientReads: number;

  constructor(failures: SecureStoreFailures = {}) {
    this.locked = failures.locked ?? false;
    this.transientReads = failures.transientReads ?? 0;
    this.lockedDeletes = failures.lockedDeletes ?? 'succeed';
    this.lockedWrites = failures.lockedWrites ?? 'succeed';
  }

  /** The device is unlocked: reads answer again. */
  unlock(): void {
    this.locked = false;
  }

  /** From now on, the next `n` reads fail as Android's decrypt failure does. */
  failNextReads(n: number): void {
    this.transientReads = n;
  }

  #log(call: SecureStoreCall): void {
    this.calls.push({ ...call, ...stamp() });
  }

  private read(key: string): string | null {
    if (this.locked) {
      this.#log({ op: 'get', key, outcome: { error: 'ERR_KEY_CHAIN' } });
      throw keychainLockedError();
    }
    if (this.transientReads > 0) {
      this.transientReads--;
      this.#log({ op: 'get', key, outcome: { error: 'ERR_DECRYPT' } });
      throw decryptError(key);
    }
    const value = this.items.get(key) ?? null;
    this.#log({ op: 'get', key, outcome: value });
    return value;
  }

  module(): Record<string, unknown> {
    return {
      AFTER_FIRST_UNLOCK: 0,
      getItemAsync: async (key: string) => this.read(key),
      setItemAsync: async (key: string, value: string) => {
        if (this.locked) this.assumedRulesApplied.add('locked-keychain-writes');
        if (this.locked && this.lockedWrites === 'reject') {
          this.#log({ op: 'set', key, outcome: { error: 'ERR_KEY_CHAIN' } });
          throw keychainLockedWriteError();
        }
        this.items.set(key, value);
        this.writes.push({ key, value });
        this.#log({ op: 'set', key });
      },
      deleteItemAsync: async (key: string) => {
        if (this.locked) this.assumedRulesApplied.add('locked-keychain-deletes');
        if (this.locked && this.lockedDeletes === 'fail-silently') {
          this.#log({ op: 'delete', key, outcome: { error: 'kept: errSecInteractionNotAllowed ignored' } });
          return;
        }
        this.items.delete(key);
        this.writes.push({ key, value: null });
        this.#log({ op: 'delete', key });
      },
    };
  }
}
