import { describe, expect, it } from 'vitest';
import { SESSION_TOKEN_TTL_SECONDS } from '../harness/fapi/jwt.ts';
import { freshTokenClaims } from './background-refresh-scenarios.ts';
import {
  backgroundScenario,
  foregroundScenario,
  isTokenRequest,
  launchSignedIn,
  label,
  UPSTREAM_FIXED,
  type Subject,
} from './background-refresh-scenarios.ts';
import { expectCleanRun, expectLateDeadlineOrder, expectSessionKept, expectSignedOutByLateRefresh } from './fix-a-expectations.ts';

/**
 * Fix A (headless-background-refresh) on the real published @clerk/clerk-js bundles, headless,
 * against the fake Frontend API on a starved virtual clock. Patched = the shipped
 * patches/@clerk+clerk-js+<v>.patch applied by patch-package; upstream 6.7.4 is the oracle.
 * Scenario 1 on every shipped version and both entries: headless-background-refresh.matrix.test.ts.
 */
const NEWEST = '6.7.1';
const OLDEST = '6.0.0'; // before 6.3.1: proxyUrl ignored without `document` (host routing carries it)
const pristine = (version: string): Subject => ({ version, variant: 'pristine' });
const patched = (version: string): Subject => ({ version, variant: 'patched' });
const upstream: Subject = { version: UPSTREAM_FIXED, variant: 'pristine' };

describe('starvation fires due timers in deadline order (the clock, pinned on the real bundle)', () => {
  it('the token cache creates the expiry timer before the earlier refresh timer', async () => {
    const { app, fapi } = await launchSignedIn(pristine(NEWEST));
    try {
      await app.getToken();
      const pending = app.clock.pending();
      const expiry = pending.find((t) => t.delay === SESSION_TOKEN_TTL_SECONDS * 1000);
      expect(expiry, `an expiry timer of one token lifetime; pending: ${JSON.stringify(pending)}`).toBeDefined();
      const refresh = pending.filter((t) => t !== expiry && t.delay < expiry!.delay);
      expect(refresh).toHaveLength(1);
      // Creation order and deadline order disagree: this is why clock.jump() hides the bug.
      expect(expiry!.seq).toBeLessThan(refresh[0]!.seq);
      expect(refresh[0]!.deadline).toBeLessThan(expiry!.deadline);
    } finally {
      await fapi.close();
    }
  });

  it('deadline order (a resumed iOS JS thread) reproduces the bug on pristine; creation order (fake-timers jump()) hides it', async () => {
    const byDeadline = await backgroundScenario(pristine(NEWEST), { order: 'deadline' });
    const byCreation = await backgroundScenario(pristine(NEWEST), { order: 'creation' });
    // Deadline order: refresh (43 s) before expiry (60 s); the refresh goes out.
    expect(byDeadline.fired.map((t) => t.delay)).toEqual([...byDeadline.fired.map((t) => t.delay)].sort((a, b) => a - b));
    expect(byDeadline.sentWhileStarved.filter(isTokenRequest)).toHaveLength(1);
    expect(byDeadline.signedInAfterStarvation).toBe(false);
    // Creation order: the expiry timer fires first and cancels the refresh timer; nothing is sent.
    expect(byCreation.fired.map((t) => t.delay)).toEqual([SESSION_TOKEN_TTL_SECONDS * 1000]);
    expect(byCreation.sentWhileStarved.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([]);
    expect(byCreation.signedInAfterStarvation).toBe(true);
  });
});

describe('scenario 1: three hours in the background with stale credentials (dist/clerk.native.js)', () => {
  for (const version of [OLDEST, NEWEST]) {
    it(`${version}: pristine sends the late refresh and ends signed out; the shipped patch keeps the session`, async () => {
      expectSignedOutByLateRefresh(await backgroundScenario(pristine(version)));
      expectSessionKept(await backgroundScenario(patched(version)));
    });
  }

  it(`upstream ${UPSTREAM_FIXED} (the oracle) keeps the session the same way`, async () => {
    expectSessionKept(await backgroundScenario(upstream));
  });
});

describe('scenario 2: session revoked on the server while backgrounded', () => {
  const revoked = { rotateClient: false, revokeSession: true } as const;

  const expectRevocationSeenInForeground = (s: Subject, f: Awaited<ReturnType<typeof backgroundScenario>>) => {
    expectCleanRun(f);
    expectLateDeadlineOrder(f);
    expect(
      f.sentWhileStarved.map((r) => `${r.method} ${r.path} ${r.status}`),
      `${label(s)}: nothing sent while starved`,
    ).toEqual([]);
    expect(f.signedInAfterStarvation).toBe(true);
    // The guard must not hide a real revocation: the foreground request meets it and signs out.
    const fetched = f.sentInForeground.filter(isTokenRequest);
    expect(fetched.map((r) => [r.status, r.errorCode])).toEqual([[401, 'authentication_invalid']]);
    expect(f.foregroundToken).toBeNull();
    expect(f.signedInAtEnd, `${label(s)}: signed out once the app asks for a token`).toBe(false);
  };

  for (const version of [OLDEST, NEWEST]) {
    it(`${version}: pristine learns it from the late refresh; patched from the foreground getToken() and still ends signed out`, async () => {
      const p = await backgroundScenario(pristine(version), revoked);
      expectCleanRun(p);
      const late = p.sentWhileStarved.filter(isTokenRequest);
      expect(late.map((r) => [r.status, r.errorCode])).toEqual([[401, 'authentication_invalid']]);
      expect(p.signedInAfterStarvation).toBe(false);
      expect(p.signedInAtEnd).toBe(false);

      expectRevocationSeenInForeground(patched(version), await backgroundScenario(patched(version), revoked));
    });
  }

  it(`upstream ${UPSTREAM_FIXED} behaves as patched`, async () => {
    expectRevocationSeenInForeground(upstream, await backgroundScenario(upstream, revoked));
  });
});

describe('scenario 3: not headless (load options as a non-Expo runtime passes them)', () => {
  for (const version of [OLDEST, NEWEST]) {
    it(`${version}: patched behaves exactly like pristine (same requests, same outcome)`, async () => {
      const p = await backgroundScenario(pristine(version), { headless: false });
      const q = await backgroundScenario(patched(version), { headless: false });
      // Concretely: without the headless flag the late refresh still goes out (the guard is headless-only).
      expectSignedOutByLateRefresh(p);
      expect(q.trace).toEqual(p.trace);
      expect(q.fired.map((t) => [t.delay, t.deadline, t.firedAt])).toEqual(p.fired.map((t) => [t.delay, t.deadline, t.firedAt]));
      expect([q.signedInAfterStarvation, q.signedInAtEnd, q.foregroundToken]).toEqual([
        p.signedInAfterStarvation,
        p.signedInAtEnd,
        p.foregroundToken,
      ]);
    });
  }

  it(`upstream ${UPSTREAM_FIXED} does not guard outside headless either`, async () => {
    expectSignedOutByLateRefresh(await backgroundScenario(upstream, { headless: false }));
  });
});

describe('scenario 4: foreground refresh cycle (awake app, five minutes)', () => {
  for (const version of [OLDEST, NEWEST]) {
    it(`${version}: tokens are refreshed before expiry, and the patch changes nothing`, async () => {
      const p = await foregroundScenario(pristine(version));
      const q = await foregroundScenario(patched(version));
      for (const f of [p, q]) {
        expect(f.unknownRoutes).toEqual([]);
        // At least one refresh per token lifetime, each sent while the held token was still valid.
        expect(f.refreshes.length).toBeGreaterThanOrEqual(Math.floor((5 * 60) / SESSION_TOKEN_TTL_SECONDS));
        for (const r of f.refreshes) {
          expect(r.status).toBe(200);
          expect(r.atSeconds).toBeLessThan(r.heldExp);
        }
        expect(f.signedInAtEnd).toBe(true);
        expect(freshTokenClaims(f.tokenAtEnd!).exp).toBeGreaterThan(f.nowSeconds);
      }
      expect(q.trace).toEqual(p.trace);
      expect(q.refreshes).toEqual(p.refreshes);
    });
  }

  it(`upstream ${UPSTREAM_FIXED} refreshes the same way`, async () => {
    const f = await foregroundScenario(upstream);
    expect(f.refreshes.length).toBeGreaterThanOrEqual(5);
    for (const r of f.refreshes) expect(r.atSeconds).toBeLessThan(r.heldExp);
    expect(f.signedInAtEnd).toBe(true);
  });
});
