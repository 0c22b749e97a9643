import semver from 'semver';
import { CLERK_CLIENT_JWT_KEY } from '../harness/expo-host.ts';
import { FakeFapi, type FapiRequest, type SignedIn } from '../harness/fapi/server.ts';
import { claimsOf } from '../harness/fapi/jwt.ts';
import { launchHeadlessClerk, signedInTokenCache, type HeadlessClerk } from '../harness/headless-clerk.ts';
import type { Variant } from '../harness/clerk-bundle.ts';
import { VirtualClock, type FiredTimer, type StarveOrder } from '../harness/virtual-clock.ts';

/**
 * Fix A's scenarios (headless-background-refresh), as functions returning observed facts; the
 * tests assert on them. Every scenario launches a fresh clerk-js module instance, signed in,
 * against its own FakeFapi on a shared virtual clock.
 */
export const THREE_HOURS = 3 * 3600_000;
export const UPSTREAM_FIXED = '6.7.4';

export interface Subject {
  version: string;
  variant: Variant;
  entry?: string;
}

export const label = (s: Subject): string =>
  `${s.variant === 'patched' ? 'patched' : semver.gte(s.version, UPSTREAM_FIXED) ? 'upstream' : 'pristine'} ${s.version} ${s.entry ?? 'dist/clerk.native.js'}`;

/** Whether the subject carries the guard (our patch, or upstream's own). */
export const hasGuard = (s: Subject): boolean => s.variant === 'patched' || semver.gte(s.version, UPSTREAM_FIXED);

export interface Launched {
  app: HeadlessClerk;
  fapi: FakeFapi;
  clock: VirtualClock;
  signedIn: SignedIn;
}

/** A signed-in device: the token cache holds the client JWT; clerk.load() has settled. */
export async function launchSignedIn(s: Subject, opts: { headless?: boolean; globals?: Record<string, unknown> } = {}): Promise<Launched> {
  const clock = new VirtualClock();
  const fapi = await FakeFapi.start({ now: () => clock.now() });
  try {
    const signedIn = await fapi.signIn();
    const app = await launchHeadlessClerk({
      fapi,
      clock,
      version: s.version,
      entry: s.entry,
      variant: s.variant,
      tokenCache: signedInTokenCache(signedIn.clientJwt),
      headless: opts.headless,
      globals: opts.globals,
    });
    await app.load();
    if (!app.isSignedIn())
      throw new Error(
        `${label(s)}: not signed in after load (requests: ${fapi.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(', ')})`,
      );
    return { app, fapi, clock, signedIn };
  } catch (err) {
    await fapi.close();
    throw err;
  }
}

export interface BackgroundFacts {
  /** Timers that fired at resume, in firing order. */
  fired: FiredTimer[];
  /** Requests the app sent while starved (the resume batch and what it triggered). */
  sentWhileStarved: FapiRequest[];
  signedInAfterStarvation: boolean;
  /** The foreground getToken(): its result (or error message). */
  foregroundToken: string | null;
  foregroundError?: string;
  /** Requests the foreground getToken() sent. */
  sentInForeground: FapiRequest[];
  signedInAtEnd: boolean;
  sessionId: string;
  /** Client JWTs: the one held before the background, the one valid after. */
  staleClientJwt: string;
  currentClientJwt: string;
  nowSeconds: number;
  /** Virtual ms the foreground getToken() took (its retry backoff, if any). */
  foregroundWaitMs: number;
  /** Unknown routes / blocked hosts / timer errors seen anywhere (should all be empty). */
  unknownRoutes: FapiRequest[];
  blocked: number;
  timerErrors: unknown[];
  /** Every request, normalised (ids, tokens) with which client JWT it carried: for comparing variants. */
  trace: string[];
}

export interface BackgroundOptions {
  /** Stale credentials: the server rotates the client JWT while the app is suspended (default true). */
  rotateClient?: boolean;
  /** The session is revoked on the server while the app is suspended. */
  revokeSession?: boolean;
  /** false: load as a non-Expo runtime (no runtimeEnvironment flag). */
  headless?: boolean;
  order?: StarveOrder;
  duration?: number;
  /** Scope globals override, e.g. a navigator with `onLine: true` (default: React Native's, no onLine). */
  globals?: Record<string, unknown>;
}

/**
 * Foreground getToken() once (a fresh token is cached, refresh + expiry timers armed); go to
 * the background; on the server, the client JWT rotates (stale credentials) and/or the session
 * is revoked; the JS thread starves for `duration`; then in the foreground the host syncs the
 * current client JWT into the token cache (as @clerk/expo's native side does) and the app asks
 * for a token.
 */
export async function backgroundScenario(s: Subject, o: BackgroundOptions = {}): Promise<BackgroundFacts> {
  const { app, fapi, clock, signedIn } = await launchSignedIn(s, { headless: o.headless, globals: o.globals });
  try {
    const first = await app.getToken();
    if (!first) throw new Error(`${label(s)}: no token before the background`);

    const stale = signedIn.clientJwt;
    const current = o.rotateClient === false ? stale : await fapi.rotateClientJwt(signedIn.client.id);
    if (o.revokeSession) fapi.revokeSession(signedIn.session.id);

    const before = fapi.requests.length;
    const fired = await app.runtime.starve(o.duration ?? THREE_HOURS, { order: o.order });
    const sentWhileStarved = fapi.requests.slice(before);
    const signedInAfterStarvation = app.isSignedIn();

    // Foreground: the host has the current client JWT in the token cache; the app asks for a token.
    await app.tokenCache.saveToken(CLERK_CLIENT_JWT_KEY, current);
    const mark = fapi.requests.length;
    const fgStart = clock.now();
    let foregroundToken: string | null = null;
    let foregroundError: string | undefined;
    try {
      foregroundToken = await app.getToken();
    } catch (err) {
      foregroundError = (err as Error).message;
      await app.runtime.settle();
    }
    return {
      fired,
      sentWhileStarved,
      signedInAfterStarvation,
      foregroundToken,
      foregroundError,
      sentInForeground: fapi.requests.slice(mark),
      signedInAtEnd: app.isSignedIn(),
      sessionId: signedIn.session.id,
      staleClientJwt: stale,
      currentClientJwt: current,
      nowSeconds: Math.floor(clock.now() / 1000),
      foregroundWaitMs: clock.now() - fgStart,
      unknownRoutes: fapi.unknownRoutes,
      blocked: app.runtime.blockedRequests.length,
      timerErrors: clock.errors,
      trace: normalisedTrace(fapi.requests, { [stale]: 'stale-client-jwt', [current]: 'current-client-jwt' }),
    };
  } finally {
    await fapi.close();
  }
}

/**
 * A signed-in launch, then one getToken({ skipCache: true }) in the foreground: the uncached path
 * that runs clerk-js's online heuristic before fetching (what a foreground getToken() meets when
 * nothing refilled the cache).
 */
export async function uncachedGetToken(
  s: Subject,
  o: { globals?: Record<string, unknown> } = {},
): Promise<{ token: string | null; error?: string; sent: FapiRequest[]; sessionId: string; nowSeconds: number; signedInAtEnd: boolean }> {
  const { app, fapi, clock, signedIn } = await launchSignedIn(s, { globals: o.globals });
  try {
    const mark = fapi.requests.length;
    let token: string | null = null;
    let error: string | undefined;
    try {
      token = await app.getToken({ skipCache: true });
    } catch (err) {
      error = (err as Error).message;
      await app.runtime.settle();
    }
    return {
      token,
      error,
      sent: fapi.requests.slice(mark).filter(isTokenRequest),
      sessionId: signedIn.session.id,
      nowSeconds: Math.floor(clock.now() / 1000),
      signedInAtEnd: app.isSignedIn(),
    };
  } finally {
    await fapi.close();
  }
}

export const isTokenRequest = (r: FapiRequest): boolean => r.method === 'POST' && /^\/v1\/client\/sessions\/[^/]+\/tokens/.test(r.path);

/** A fresh token: for this session, issued now, not expired. */
export function freshTokenClaims(token: string): { sid: unknown; iat: number; exp: number } {
  const c = claimsOf(token);
  return { sid: c.sid, iat: c.iat ?? NaN, exp: c.exp ?? NaN };
}

export interface ForegroundFacts {
  /** Token requests: virtual second sent, and the exp of the token the app held then. */
  refreshes: Array<{ atSeconds: number; heldExp: number; status: number }>;
  tokenAtEnd: string | null;
  nowSeconds: number;
  signedInAtEnd: boolean;
  /** Method, path (ids normalised), status of every request: for comparing variants. */
  trace: string[];
  unknownRoutes: FapiRequest[];
}

/** An awake app for `duration`: the token cache's own refresh timers keep the token fresh. */
export async function foregroundScenario(s: Subject, duration = 5 * 60_000): Promise<ForegroundFacts> {
  const { app, fapi, clock } = await launchSignedIn(s);
  try {
    await app.getToken();
    const refreshes: ForegroundFacts['refreshes'] = [];
    const seen = new Set<number>();
    // Advance in 1 s steps so we can read which token the app held when each refresh went out.
    let held = claimsOf(app.session()!.lastActiveToken!.getRawString()).exp ?? NaN;
    for (let t = 0; t < duration; t += 1000) {
      await app.runtime.advance(1000);
      for (const r of fapi.tokenRequests) {
        if (seen.has(r.seq)) continue;
        seen.add(r.seq);
        refreshes.push({ atSeconds: Math.floor(r.at / 1000), heldExp: held, status: r.status });
      }
      const lat = app.session()?.lastActiveToken?.getRawString();
      if (lat) held = claimsOf(lat).exp ?? NaN;
    }
    const tokenAtEnd = await app.getToken();
    return {
      refreshes,
      tokenAtEnd,
      nowSeconds: Math.floor(clock.now() / 1000),
      signedInAtEnd: app.isSignedIn(),
      trace: normalisedTrace(fapi.requests),
      unknownRoutes: fapi.unknownRoutes,
    };
  } finally {
    await fapi.close();
  }
}

/** Requests with ids and tokens normalised, for comparing two variants' behaviour. */
export function normalisedTrace(requests: FapiRequest[], auth: Record<string, string> = {}): string[] {
  return requests.map((r) => {
    const who = r.authorization === '' ? 'no-client-jwt' : (auth[r.authorization] ?? 'some-client-jwt');
    return `${Math.floor(r.at / 1000)}s ${r.method} ${r.path.replace(/sess_\w+/g, ':sid')} [${who}] -> ${r.status}${r.errorCode ? ` ${r.errorCode}` : ''}`;
  });
}
