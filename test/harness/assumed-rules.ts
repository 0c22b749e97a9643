/**
 * Rules of the fakes whose reading is not settled by evidence (or where the evidence and Clerk's
 * published contract disagree), each with the option that selects a reading. The session matrix
 * can run the cells a rule affects under every reading. Evidence for each: test/harness/README.md
 * (Frontend API) and test/harness/expo/README.md (secure store).
 */
export interface AssumedRule {
  id: string;
  /** Where the option goes: `FakeFapi.start(options)` or the scenario's `js.secureStore` (`InMemorySecureStore`). */
  target: 'FakeFapiOptions' | 'SecureStoreFailures';
  option: string;
  readings: readonly (string | number)[];
  default: string | number;
  /** `evidenced`: upstream statements support the default, not Clerk's own published contract; `assumed`: no direct evidence. */
  status: 'evidenced' | 'assumed';
  summary: string;
}

export const ASSUMED_RULES: readonly AssumedRule[] = [
  {
    id: 'stale-client-jwt',
    target: 'FakeFapiOptions',
    option: 'staleClientJwt',
    readings: ['fresh-client', 'null-client', '401'],
    default: 'fresh-client',
    status: 'evidenced',
    summary:
      'GET /v1/client with a rotated or never-issued client JWT: a new signed-out client and its JWT (upstream threads), "no client" (the harness before), or 401 (listed by the contract; clerk-js loops on it)',
  },
  {
    id: 'token-on-ended-session',
    target: 'FakeFapiOptions',
    option: 'tokenOnEndedSession',
    readings: [401, 404, 403],
    default: 401,
    status: 'assumed',
    summary:
      'a token request for an ended, removed or revoked session: 401 (clerk-js signs out), 404 or 403 (the contract lists both; clerk-js keeps the session and throws)',
  },
  {
    id: 'locked-keychain-deletes',
    target: 'SecureStoreFailures',
    option: 'lockedDeletes',
    readings: ['succeed', 'fail-silently'],
    default: 'succeed',
    status: 'assumed',
    summary:
      'iOS deleteItemAsync while the keychain is locked resolves either way; the item is removed, or SecItemDelete failed and it stays',
  },
  {
    id: 'locked-keychain-writes',
    target: 'SecureStoreFailures',
    option: 'lockedWrites',
    readings: ['succeed', 'reject'],
    default: 'succeed',
    status: 'assumed',
    summary: 'iOS setItemAsync while the keychain is locked: lands, or rejects with ERR_KEY_CHAIN (SecItemAdd errSecInteractionNotAllowed)',
  },
];
