import { beforeAll, describe, expect, it } from 'vitest';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import type { NativeScenario, Step } from '../harness/expo/scenario.ts';
import type { TokenOnEndedSessionReading } from '../harness/fapi/server.ts';

/**
 * Fix K on the real @clerk/expo ClerkProvider (published dist, pristine and with the shipped
 * patch applied by patch-package) with the real clerk-js it resolves, JS-only (no native module):
 * the server ends the session while the app is in the background and answers the next
 * session-token request 404 or 403 (the contract's other answers for
 * POST /v1/client/sessions/{id}/tokens). clerk-js re-reads the client only on a 401, so pristine
 * keeps the ended session; patched re-reads it and signs out, with the same client reads as the
 * 401 path of the same version (one GET /v1/client for clerk-js's handler; on 4.x also the read of
 * @clerk/expo's own 401 wrapper, which Fix I lets go on to Clerk's handler). The controls:
 * a 404 or 403 while the session is still live on the server, a 401 (clerk-js's own path), and
 * the healthy path (no new request). Each test runs on its own fake Frontend API and device.
 */
const VERSIONS = ['3.0.1', '4.6.6'];

const scenario = (name: string, steps: Step[]): NativeScenario => ({
  name,
  description: 'JS-only, signed in; the app comes back to the foreground and asks for a session token',
  platform: 'ios',
  signedIn: true,
  native: null,
  js: { tokenCache: 'device-client' },
  steps,
});

beforeAll(async () => {
  for (const v of VERSIONS) await dependencySet(v);
}, 1_800_000);

/** One run per (version, variant, steps, reading): the 401 counterparts are shared by the tests that compare with them. */
const runs = new Map<string, ReturnType<typeof runOnce>>();
const run = (version: string, variant: Variant, steps: Step[], tokenOnEndedSession?: TokenOnEndedSessionReading) => {
  const key = [version, variant, steps.join('+'), tokenOnEndedSession ?? 'default'].join(' ');
  if (!runs.has(key)) runs.set(key, runOnce(version, variant, steps, tokenOnEndedSession));
  return runs.get(key)!;
};

async function runOnce(version: string, variant: Variant, steps: Step[], tokenOnEndedSession?: TokenOnEndedSessionReading) {
  const dist = await expoDist(version, variant);
  return DeviceWorld.with(
    async (world) => {
      const fapi = world.fapi;
      const o = await runLoadedScenario(world, scenario(steps.join('+'), steps), dist, { bridge: bridgeFor(version) });
      const settledAt = fapi.tokenRequests[0]?.seq ?? Infinity;
      return {
        o,
        tokenStatuses: fapi.tokenRequests.map((r) => r.status),
        /** GET /v1/client after the first token request (the re-read). */
        rereads: fapi.requests.filter((r) => r.method === 'GET' && r.path === '/v1/client' && r.seq > settledAt).length,
        requestsAfterLoad: fapi.requests.filter((r) => r.seq >= settledAt).map((r) => `${r.method} ${r.path} ${r.status}`),
      };
    },
    tokenOnEndedSession ? { fapi: { tokenOnEndedSession } } : undefined,
  );
}

describe('Fix K: a session ended on the server, the token request answered 404 or 403 (real ClerkProvider and clerk-js, JS-only)', () => {
  for (const v of VERSIONS) {
    for (const status of [404, 403] as const) {
      it(`${v} pristine, revoked, ${status}: clerk-js throws and the app stays signed in`, async () => {
        const { o, tokenStatuses, rereads } = await run(v, 'pristine', ['revoke-on-server', 'foreground'], status);
        expect(o.wasSignedInInJs).toBe(true);
        expect(tokenStatuses).toEqual([status]);
        expect(rereads).toBe(0);
        expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true });
      });
      it(`${v} patched, revoked, ${status}: the client is re-read as on a 401, the session is gone from it, the app signs out`, async () => {
        const { o, tokenStatuses, rereads } = await run(v, 'patched', ['revoke-on-server', 'foreground'], status);
        const as401 = await run(v, 'patched', ['revoke-on-server', 'foreground']);
        expect(o.wasSignedInInJs).toBe(true);
        expect(tokenStatuses).toEqual([status]);
        expect(as401.tokenStatuses).toEqual([401]);
        expect(rereads).toBeGreaterThanOrEqual(1);
        expect(rereads).toBe(as401.rereads);
        expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
      });
    }
    for (const [step, what] of [
      ['expire-on-server', 'expired'],
      ['abandon-on-server', 'abandoned'],
    ] as const)
      it(`${v} patched, ${what}, 404: signs out`, async () => {
        const { o, tokenStatuses } = await run(v, 'patched', [step, 'foreground'], 404);
        expect(tokenStatuses).toEqual([404]);
        expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
      });
  }
});

describe('Fix K does not sign out on a 404 or 403 that does not mean "this session is gone"', () => {
  for (const v of VERSIONS) {
    for (const step of ['token-404-once', 'token-403-once'] as const) {
      it(`${v} patched, ${step} with the session live: the client is re-read as on a 401, it still holds the session, the user stays signed in`, async () => {
        const { o, tokenStatuses, rereads } = await run(v, 'patched', [step]);
        const as401 = await run(v, 'patched', ['token-401-once']);
        expect(tokenStatuses).toEqual([step === 'token-404-once' ? 404 : 403]);
        expect(rereads).toBeGreaterThanOrEqual(1);
        expect(rereads).toBe(as401.rereads);
        expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
      });
    }
    it(`${v} patched, healthy foreground: no request beyond the token request`, async () => {
      const patched = await run(v, 'patched', ['foreground']);
      const pristine = await run(v, 'pristine', ['foreground']);
      expect(patched.tokenStatuses).toEqual([200]);
      expect(patched.requestsAfterLoad).toEqual(pristine.requestsAfterLoad);
      expect(patched.o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true });
    });
    it(`${v} patched, revoked, 401 (clerk-js's own path): signed out`, async () => {
      const patched = await run(v, 'patched', ['revoke-on-server', 'foreground']);
      expect(patched.tokenStatuses).toEqual([401]);
      expect(patched.o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
    });
  }
});
