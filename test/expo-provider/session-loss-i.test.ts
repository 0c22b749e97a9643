import { beforeAll, describe, expect, it } from 'vitest';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import type { NativeScenario, Step } from '../harness/expo/scenario.ts';

/**
 * Fix I on the real @clerk/expo ClerkProvider (published dist, pristine and with the shipped
 * patch applied by patch-package) with the real clerk-js, in the JS-only configuration (no native
 * ClerkExpo module: Expo Go, a JS-only build): the server ends the session while the app is in
 * the background; on the next foreground the session-token request gets a 401. Clerk's own
 * handler would re-read the client and sign out; 4.2.0–4.6.6 report the 401 as recovered by
 * native state instead (there is none), and the user stays signed in. Each test runs on its own
 * fake Frontend API and device; every app is unmounted by runLoadedScenario.
 */
const VERSIONS = ['4.2.0', '4.6.6'];
const ENDINGS: { step: Step; what: string }[] = [
  { step: 'revoke-on-server', what: 'revoked' },
  { step: 'expire-on-server', what: 'expired' },
  { step: 'abandon-on-server', what: 'abandoned' },
];

const atForeground = (step: Step): NativeScenario => ({
  name: `${step}-at-foreground`,
  description:
    'JS-only, signed in; the server ends the session while the app is in the background; the app comes back and asks for a token',
  platform: 'ios',
  signedIn: true,
  native: null,
  js: { tokenCache: 'device-client' },
  steps: [step, 'foreground'],
});

beforeAll(async () => {
  for (const v of [...VERSIONS, '4.0.4']) await dependencySet(v);
}, 1_800_000);

async function run(version: string, variant: Variant, step: Step) {
  const dist = await expoDist(version, variant);
  return DeviceWorld.with(async (world) => {
    const fapi = world.fapi;
    const o = await runLoadedScenario(world, atForeground(step), dist, { bridge: bridgeFor(version) });
    const tokenRequests = fapi.tokenRequests.map((r) => r.status);
    return { o, tokenRequests, clerkReread: fapi.requests.filter((r) => r.method === 'GET' && r.path === '/v1/client').length };
  });
}

describe('Fix I: a session ended on the server, next foreground, JS-only (real ClerkProvider and clerk-js)', () => {
  for (const v of VERSIONS) {
    for (const { step, what } of ENDINGS) {
      it(`${v} pristine, ${what}: the token request gets a 401, yet the app stays signed in`, async () => {
        const { o, tokenRequests } = await run(v, 'pristine', step);
        expect(o.wasSignedInInJs).toBe(true);
        expect(tokenRequests).toContain(401);
        expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true });
      });
      it(`${v} patched, ${what}: the 401 reaches Clerk's handler and the app signs out`, async () => {
        const { o, tokenRequests } = await run(v, 'patched', step);
        expect(o.wasSignedInInJs).toBe(true);
        expect(tokenRequests).toContain(401);
        expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
      });
    }
  }
  it('4.0.4 patched (Fixes G and I): a revoked session still signs out (G makes the foreign-client check engage; I keeps the 401 fallback)', async () => {
    const { o } = await run('4.0.4', 'patched', 'revoke-on-server');
    expect(o.wasSignedInInJs).toBe(true);
    expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
  });
  it('outside the bug (the session is still live): 4.6.6 patched stays signed in after the foreground token request', async () => {
    const scenario: NativeScenario = { ...atForeground('revoke-on-server'), name: 'live-at-foreground', steps: ['foreground'] };
    const dist = await expoDist('4.6.6', 'patched');
    const o = await DeviceWorld.with((world) => runLoadedScenario(world, scenario, dist, { bridge: bridgeFor('4.6.6') }));
    expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
  });
});
