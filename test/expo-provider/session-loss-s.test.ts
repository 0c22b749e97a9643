import { beforeAll, describe, expect, it } from 'vitest';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import type { NativeScenario, Step } from '../harness/expo/scenario.ts';

/**
 * Fix S on the real @clerk/expo ClerkProvider (published dist, pristine and with the shipped patch
 * applied by patch-package) with the real clerk-js it resolves, JS-only: the user signs out while
 * the device has no network. clerk-js (6.32.0+) signs out locally when `removeSessions()` fails on
 * the network, so the app shows the user signed out; pristine keeps the client JWT and the next
 * launch restores the session, patched forgets it and the next launch starts signed out. The
 * control: a sign-out the server answers leaves the token cache to clerk-js (the same client JWT,
 * its sessions ended on the server). Each run has its own fake Frontend API and device.
 */
const OLDEST = '3.0.1';
const NEWEST = '4.6.6';

const scenario = (steps: Step[], navigator: 'absent' | 'react-native'): NativeScenario => ({
  name: steps.join('+'),
  description: 'JS-only, signed in; the user signs out, the app is started again',
  platform: 'ios',
  signedIn: true,
  native: null,
  js: { tokenCache: 'device-client', navigator },
  steps,
  expect: 'signed-out',
});
const OFFLINE: Step[] = ['offline', 'sign-out-in-js', 'online'];
const ONLINE: Step[] = ['sign-out-in-js'];
/** The app handles the rejected signOut() (React Native's navigator: clerk-js rethrows the network error). */
const OFFLINE_RN: Step[] = ['offline', 'sign-out-attempt', 'online'];

beforeAll(async () => {
  for (const v of [OLDEST, NEWEST]) await dependencySet(v);
}, 1_800_000);

async function run(version: string, variant: Variant, steps: Step[], navigator: 'absent' | 'react-native' = 'absent') {
  const dist = await expoDist(version, variant);
  return DeviceWorld.with(async (world) => {
    const o = await runLoadedScenario(world, scenario(steps, navigator), dist, { bridge: bridgeFor(version) });
    const client = [...world.fapi.clients.values()].find((c) => c.sessionIds.includes(o.device.initialSessionId!))!;
    return { o, clientJwt: client.jwt, deletes: world.fapi.requests.filter((r) => r.method === 'DELETE').map((r) => r.status) };
  });
}

describe('Fix S: a sign-out made offline with no navigator (clerk-js reads the device as offline; real ClerkProvider and clerk-js, JS-only)', () => {
  it(`${NEWEST} pristine: signed out locally, the client JWT stays, the next launch signs the user in again`, async () => {
    const { o, clientJwt, deletes } = await run(NEWEST, 'pristine', OFFLINE);
    expect(o.wasSignedInInJs).toBe(true);
    expect(deletes).toEqual([0]); // the DELETE never reached the server
    expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
    expect(o.serverSession?.status).toBe('active');
    expect(o.storedClientJwt).toBe(clientJwt);
    expect(o.afterRestart?.auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
  });

  for (const v of [OLDEST, NEWEST])
    it(`${v} patched: the client JWT is forgotten, the next launch starts signed out on a new client`, async () => {
      const { o, clientJwt, deletes } = await run(v, 'patched', OFFLINE);
      expect(o.wasSignedInInJs).toBe(true);
      expect(deletes).toEqual([0]);
      expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
      expect(o.storedClientJwt).not.toBe(clientJwt);
      expect(o.afterRestart?.auth).toMatchObject({ isLoaded: true, isSignedIn: false });
    });

  it(`${NEWEST} patched, online: the server ends the session and the token cache keeps clerk-js's client JWT`, async () => {
    const { o, clientJwt, deletes } = await run(NEWEST, 'patched', ONLINE);
    expect(deletes).toEqual([200]);
    expect(o.serverSession).toMatchObject({ status: 'ended', endedBy: 'client.sessions.delete' });
    expect(o.storedClientJwt).toBe(clientJwt);
    expect(o.device.store.calls.filter((c) => c.op === 'delete')).toEqual([]);
    expect(o.afterRestart?.auth).toMatchObject({ isLoaded: true, isSignedIn: false });
  });
});

/**
 * React Native's own `navigator` (`{ product: 'ReactNative' }`, no `onLine`): clerk-js reads the
 * device as online and signOut() rejects with the fapiClient's network error after clearing its
 * session. Pristine: useAuth() stays not loaded, the next launch signs the user in again. Patched:
 * the error still reaches the app, the client JWT is forgotten and the app shows the user signed out.
 */
describe("Fix S: a sign-out made offline with React Native's navigator (real ClerkProvider and clerk-js, JS-only)", () => {
  it(`${NEWEST} pristine: signOut() rejects, the app stays loading, the next launch signs the user in again`, async () => {
    const { o, clientJwt, deletes } = await run(NEWEST, 'pristine', OFFLINE_RN, 'react-native');
    expect(o.wasSignedInInJs).toBe(true);
    expect(deletes).toEqual([0]);
    expect(o.finalAuth).toMatchObject({ isLoaded: false });
    expect(o.storedClientJwt).toBe(clientJwt);
    expect(o.afterRestart?.auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
  });

  for (const v of [OLDEST, NEWEST])
    it(`${v} patched: signed out in the running app, the client JWT is forgotten, the next launch starts signed out`, async () => {
      const { o, clientJwt, deletes } = await run(v, 'patched', OFFLINE_RN, 'react-native');
      expect(o.wasSignedInInJs).toBe(true);
      expect(deletes).toEqual([0]);
      expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
      expect(o.serverSession?.status).toBe('active');
      expect(o.storedClientJwt).not.toBe(clientJwt);
      expect(o.afterRestart?.auth).toMatchObject({ isLoaded: true, isSignedIn: false });
    });

  it(`${NEWEST} patched: the rejection still reaches the app's code (a run whose sign-out step does not catch fails with it)`, async () => {
    await expect(run(NEWEST, 'patched', ['offline', 'sign-out-in-js'], 'react-native')).rejects.toThrow(/ClerkJS: Network error at /);
  });
});
