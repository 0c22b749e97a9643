import { describe, expect, it } from 'vitest';
import { CLERK_JS, shippedVersions } from '../harness/clerk-bundle.ts';
import { backgroundScenario, uncachedGetToken, UPSTREAM_FIXED } from './background-refresh-scenarios.ts';
import {
  expectFetched,
  expectOfflineHeuristic,
  expectSessionKept,
  expectSignedOutByLateRefresh,
  ONLINE_NAVIGATOR,
  STRICT_ONLINE_CHECK,
} from './fix-a-expectations.ts';

/**
 * Scenario 1 (three hours in the background with stale credentials) on EVERY shipped clerk-js
 * patch listed in patches/manifest.json, on the React Native entry (dist/clerk.native.js, what
 * Metro resolves) and the CommonJS entry (dist/clerk.js): pristine loses the session, the
 * shipped patch applied by patch-package keeps it. Upstream's fixed release is the oracle.
 * Every run uses React Native's navigator (no `onLine`) unless it says otherwise.
 */
const FIX = 'headless-background-refresh';
const FIX_E = 'react-native-online-check';
const ENTRIES = ['dist/clerk.native.js', 'dist/clerk.js'];
const versions = shippedVersions(CLERK_JS, FIX);

describe(`scenario 1 on every shipped ${CLERK_JS} patch (${versions.join(', ')})`, () => {
  it('the manifest ships Fix A patches', () => {
    expect(versions.length).toBeGreaterThan(0);
  });

  for (const version of versions) {
    for (const entry of ENTRIES) {
      it(`${version} ${entry}: pristine ends signed out; the shipped patch keeps the session and fetches a fresh token in the foreground`, async () => {
        expectSignedOutByLateRefresh(await backgroundScenario({ version, entry, variant: 'pristine' }));
        expectSessionKept(await backgroundScenario({ version, entry, variant: 'patched' }));
      });
    }
  }

  for (const entry of ENTRIES) {
    it(`upstream ${UPSTREAM_FIXED} ${entry} (oracle)`, async () => {
      expectSessionKept(await backgroundScenario({ version: UPSTREAM_FIXED, entry, variant: 'pristine' }));
    });
  }
});

/**
 * The same three hours with VALID credentials (nothing rotated): pristine's late refresh simply
 * succeeds. The patch skips it, so the token must come from the foreground getToken(), uncached.
 * On clerk-js 6.1.0–6.3.1 (STRICT_ONLINE_CHECK) that only works because the shipped patch also
 * carries Fix E (see below): with Fix A alone it failed as "offline".
 */
describe('three hours in the background with VALID credentials (React Native navigator, dist/clerk.native.js)', () => {
  for (const version of versions) {
    it(`${version}: pristine's late refresh succeeds; patched gets a fresh token in the foreground`, async () => {
      const p = await backgroundScenario({ version, variant: 'pristine' }, { rotateClient: false });
      expect(p.sentWhileStarved.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([200]);
      expect(p.signedInAtEnd).toBe(true);
      expect(p.foregroundToken).toEqual(expect.any(String));
      expectSessionKept(await backgroundScenario({ version, variant: 'patched' }, { rotateClient: false }));
    });
  }
});

/**
 * Why Fix E ships: on React Native's navigator (no `onLine`), PRISTINE 6.1.0–6.3.1 refuse every
 * uncached getToken() as "offline" — the state Fix A leaves the cache in after a long background.
 * Verified both ways: every other shipped version fetches; the listed ones fetch once navigator
 * has onLine (what a polyfill gives) or once the shipped patch (A+E) is applied.
 */
describe('the strict online check of clerk-js 6.1.0–6.3.1 (clerk/javascript#8083) and Fix E', () => {
  it('the manifest ships Fix E for exactly the versions with the strict check', () => {
    expect(shippedVersions(CLERK_JS, FIX_E)).toEqual([...STRICT_ONLINE_CHECK]);
    for (const v of STRICT_ONLINE_CHECK) expect(versions).toContain(v);
  });

  for (const version of versions) {
    const strict = STRICT_ONLINE_CHECK.has(version);
    it(`${version}: pristine uncached getToken() ${strict ? 'fails as offline (fetches with navigator.onLine polyfilled); patched fetches' : 'fetches'}`, async () => {
      const pristine = await uncachedGetToken({ version, variant: 'pristine' });
      if (!strict) {
        expectFetched(pristine);
        return;
      }
      expectOfflineHeuristic(pristine);
      expectFetched(await uncachedGetToken({ version, variant: 'pristine' }, { globals: ONLINE_NAVIGATOR }));
      expectFetched(await uncachedGetToken({ version, variant: 'patched' }));
    });
  }

  for (const version of [...STRICT_ONLINE_CHECK]) {
    it(`${version}: pristine, with the cache emptied and no late refresh (timers fired in creation order), the foreground getToken() fails as offline`, async () => {
      const f = await backgroundScenario({ version, variant: 'pristine' }, { rotateClient: false, order: 'creation' });
      expect(f.sentWhileStarved).toEqual([]);
      expect(f.signedInAfterStarvation).toBe(true);
      expectOfflineHeuristic({
        token: f.foregroundToken,
        error: f.foregroundError,
        sent: f.sentInForeground,
        sessionId: f.sessionId,
        nowSeconds: f.nowSeconds,
      });
    });
  }
});
