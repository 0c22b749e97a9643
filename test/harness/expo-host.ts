/**
 * What @clerk/expo 3.x does around a clerk-js instance, re-stated from
 * @clerk/expo@3.2.7 dist/provider/singleton/createClerkInstance.js and
 * dist/provider/ClerkProvider.js (read them with fetchPackage('@clerk/expo', '3.2.7')):
 *
 * - `new Clerk(publishableKey, { proxyUrl, domain })`;
 * - a request hook: `credentials = 'omit'`, `?_is_native=1`, `Authorization: <client JWT from
 *   the token cache under "__clerk_client_jwt">` (empty string when none), and on iOS/Android
 *   `x-mobile: 1` + `x-expo-sdk-version`;
 * - a response hook: a response `Authorization` header is saved to the token cache;
 * - `load({ standardBrowser: false, experimental: { runtimeEnvironment: 'headless',
 *   rethrowOfflineNetworkErrors }, ... })` as ClerkProvider passes through @clerk/react.
 *
 * Passkey / resource-cache wiring is left out (not on the token path).
 */
export const CLERK_CLIENT_JWT_KEY = '__clerk_client_jwt';
export const EXPO_SDK_VERSION = '3.2.7';

export interface TokenCache {
  getToken(key: string): Promise<string | undefined | null>;
  saveToken(key: string, token: string): Promise<void>;
  clearToken?(key: string): void | Promise<void>;
}

/** An in-memory token cache (expo-secure-store stand-in) that records writes. */
export class MemoryTokenCache implements TokenCache {
  readonly store = new Map<string, string>();
  readonly writes: Array<{ key: string; token: string }> = [];
  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.store.set(k, v);
  }
  async getToken(key: string): Promise<string | undefined> {
    return this.store.get(key);
  }
  async saveToken(key: string, token: string): Promise<void> {
    this.writes.push({ key, token });
    this.store.set(key, token);
  }
  clearToken(key: string): void {
    this.store.delete(key);
  }
}

/** The slice of a clerk-js instance the harness drives (typed loosely: it is a minified bundle). */
export interface ClerkLike {
  load(opts: Record<string, unknown>): Promise<void>;
  readonly loaded: boolean;
  readonly session: SessionLike | null | undefined;
  readonly client: { sessions: SessionLike[]; signedInSessions?: SessionLike[]; lastActiveSessionId: string | null } | undefined;
  readonly user: { id: string } | null | undefined;
  addListener(cb: (resources: Record<string, unknown>) => void): () => void;
  __internal_onBeforeRequest(cb: (req: RequestHookInit) => void | Promise<void>): void;
  __internal_onAfterResponse(cb: (req: RequestHookInit, res: Response | undefined) => void | Promise<void>): void;
  __internal_getOption?(key: string): unknown;
  signOut(): Promise<void>;
}

export interface SessionLike {
  id: string;
  status: string;
  getToken(opts?: Record<string, unknown>): Promise<string | null>;
  lastActiveToken?: { getRawString(): string; jwt?: { claims?: { exp?: number; iat?: number } } } | null;
}

export interface RequestHookInit {
  url?: URL;
  headers: Headers;
  credentials?: string;
}

export type ClerkConstructor = new (publishableKey: string, options?: { proxyUrl?: string; domain?: string }) => ClerkLike;

export interface ExpoHostOptions {
  publishableKey: string;
  proxyUrl?: string;
  domain?: string;
  tokenCache: TokenCache;
  platform?: 'ios' | 'android' | 'web';
}

/** `new Clerk(...)` plus @clerk/expo's request/response hooks. */
export function createExpoClerk(Clerk: ClerkConstructor, o: ExpoHostOptions): ClerkLike {
  const clerk = new Clerk(o.publishableKey, { proxyUrl: o.proxyUrl, domain: o.domain });
  const native = (o.platform ?? 'ios') !== 'web';
  clerk.__internal_onBeforeRequest(async (req) => {
    req.credentials = 'omit';
    req.url?.searchParams.append('_is_native', '1');
    const jwt = await o.tokenCache.getToken(CLERK_CLIENT_JWT_KEY);
    req.headers.set('authorization', jwt || '');
    if (native) {
      req.headers.set('x-mobile', '1');
      req.headers.set('x-expo-sdk-version', EXPO_SDK_VERSION);
    }
  });
  clerk.__internal_onAfterResponse(async (_req, res) => {
    const auth = res?.headers.get('authorization');
    if (auth) await o.tokenCache.saveToken(CLERK_CLIENT_JWT_KEY, auth);
  });
  return clerk;
}

export interface LoadOptionsInput {
  publishableKey: string;
  proxyUrl?: string;
  domain?: string;
  /** true: what @clerk/expo passes on iOS/Android. false: a non-Expo runtime (no headless flag). */
  headless: boolean;
}

/**
 * The options ClerkProvider hands to `clerk.load()`. Headless: `standardBrowser: false`,
 * `experimental.runtimeEnvironment = 'headless'`, `rethrowOfflineNetworkErrors: false`.
 * Not headless: the same call without `experimental.runtimeEnvironment` (standardBrowser
 * stays false: there is no browser in either case, only the runtime flag differs).
 */
export function loadOptions(i: LoadOptionsInput): Record<string, unknown> {
  return {
    publishableKey: i.publishableKey,
    proxyUrl: i.proxyUrl,
    domain: i.domain,
    sdkMetadata: { name: '@clerk/expo', version: EXPO_SDK_VERSION, environment: 'test' },
    standardBrowser: false,
    experimental: i.headless
      ? { rethrowOfflineNetworkErrors: false, runtimeEnvironment: 'headless' }
      : { rethrowOfflineNetworkErrors: false },
  };
}
