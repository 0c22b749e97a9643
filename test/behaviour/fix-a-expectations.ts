import { expect } from 'vitest';
import { SESSION_TOKEN_TTL_SECONDS } from '../harness/fapi/jwt.ts';
import type { FapiRequest } from '../harness/fapi/server.ts';
import { freshTokenClaims, isTokenRequest, type BackgroundFacts } from './background-refresh-scenarios.ts';

/**
 * Scenario 1's two outcomes, asserted from the observed facts. Each test asserts the pristine
 * outcome (the bug) AND the guarded one, so it fails if the patch stops working and also if the
 * pristine bundle stops reproducing the bug.
 */

/** The world was clean: no unknown FAPI routes, no unrouted hosts, no throwing timers. */
export function expectCleanRun(f: BackgroundFacts): void {
  expect(f.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  expect(f.blocked).toBe(0);
  expect(f.timerErrors).toEqual([]);
}

/** The resume batch really fired late and in deadline order (the refresh timer was exercised). */
export function expectLateDeadlineOrder(f: BackgroundFacts): void {
  expect(f.fired.length).toBeGreaterThanOrEqual(2);
  for (const t of f.fired) expect(t.firedAt).toBeGreaterThan(t.deadline);
  const deadlines = f.fired.map((t) => t.deadline);
  expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
}

/** Pristine 6.0.0–6.7.1: the late refresh goes out with the stale client JWT, gets 401, and the session is gone. */
export function expectSignedOutByLateRefresh(f: BackgroundFacts): void {
  expectCleanRun(f);
  expectLateDeadlineOrder(f);
  const refresh = f.sentWhileStarved.filter(isTokenRequest);
  expect(refresh.length, 'pristine: the late background refresh is sent').toBeGreaterThanOrEqual(1);
  expect(refresh[0]!.authorization, 'pristine: with the stale client JWT').toBe(f.staleClientJwt);
  expect(refresh[0]!.status).toBe(401);
  expect(refresh[0]!.errorCode).toBe('authentication_invalid');
  expect(f.signedInAfterStarvation, 'pristine: signed out while still in the background').toBe(false);
  expect(f.foregroundToken).toBeNull();
  expect(f.signedInAtEnd).toBe(false);
}

/**
 * clerk-js versions whose PRISTINE online heuristic reads `navigator.onLine` strictly
 * (`!!navigator && !!navigator.onLine`). React Native's navigator has no `onLine`, so there an
 * UNCACHED getToken() throws "offline" after its retries without sending anything
 * (clerk/javascript#8083, fixed by #8084 in 6.3.2; 6.0.0 has no such check on this path).
 * Fix A skips the late refresh that used to refill the cache, so the shipped patches for these
 * versions also carry Fix E (react-native-online-check). An expectation, verified both ways by
 * the tests: pristine, a version listed here must show that failure, a version not listed must
 * fetch; and the manifest must ship Fix E for exactly these versions.
 */
export const STRICT_ONLINE_CHECK: ReadonlySet<string> = new Set(['6.1.0', '6.3.0', '6.3.1']);

/** Guarded (patched / 6.7.4): nothing sent while starved, session kept; the foreground getToken() returns a fresh token. */
export function expectSessionKept(f: BackgroundFacts): void {
  expectCleanRun(f);
  expectLateDeadlineOrder(f);
  expect(
    f.sentWhileStarved.map((r) => `${r.method} ${r.path} ${r.status}`),
    'guarded: nothing is sent while starved',
  ).toEqual([]);
  expect(f.signedInAfterStarvation, 'guarded: still signed in after the starvation').toBe(true);
  expect(f.signedInAtEnd).toBe(true);
  expect(f.foregroundError).toBeUndefined();
  expect(f.foregroundToken, 'guarded: the foreground getToken() returns a token').toEqual(expect.any(String));
  const c = freshTokenClaims(f.foregroundToken!);
  expect(c.sid).toBe(f.sessionId);
  expect(c.iat).toBe(f.nowSeconds);
  expect(c.exp).toBe(f.nowSeconds + SESSION_TOKEN_TTL_SECONDS);
  const fetched = f.sentInForeground.filter(isTokenRequest);
  expect(fetched.map((r) => [r.status, r.authorization === f.currentClientJwt])).toEqual([[200, true]]);
}

/** What an uncached getToken() yielded: its token or error, and the token requests it sent. */
export interface UncachedFetch {
  token: string | null;
  error?: string;
  sent: FapiRequest[];
  sessionId: string;
  nowSeconds: number;
}

/** clerk-js's own offline heuristic refused to fetch: no request, an "offline" error after its retries. */
export function expectOfflineHeuristic(f: UncachedFetch): void {
  expect(f.token).toBeNull();
  expect(f.error, "getToken() fails with clerk-js's offline error").toMatch(/offline/i);
  expect(f.sent.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([]);
}

/** The uncached getToken() went to FAPI and returned the token it got. */
export function expectFetched(f: UncachedFetch): void {
  expect(f.error).toBeUndefined();
  expect(f.sent.map((r) => r.status)).toEqual([200]);
  expect(f.token).toEqual(expect.any(String));
  const c = freshTokenClaims(f.token!);
  expect([c.sid, c.iat]).toEqual([f.sessionId, f.nowSeconds]);
}

/** A navigator that satisfies every clerk-js online heuristic (what an app polyfilling navigator.onLine has). */
export const ONLINE_NAVIGATOR = { navigator: { product: 'ReactNative', onLine: true } } as const;
