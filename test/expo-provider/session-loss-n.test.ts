import { beforeAll, describe, expect, it } from 'vitest';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import { loadMatrixScenario } from '../matrix/scenarios.ts';

/**
 * Fix N on the real @clerk/expo ClerkProvider (published dist, pristine and with the shipped patch
 * applied by patch-package), iOS with the simulated 3.1–3.3 native module: the device is offline
 * at launch and back 5 s later (matrix scenario `offline-at-launch-5s-ios-native`). clerk-js
 * finishes loading signed out while offline; NativeSessionSync takes that for a sign-out and calls
 * native signOut(), which ends the session. Patched, native signOut() runs only after JS was
 * signed in during the run: none here, the session lives, and the reopened app
 * (`offline-at-launch-5s-reopen-ios-native`) is signed in. (That JS stays signed out in the first
 * run after GET /v1/client answers 200 is a separate gap, docs/session-losses-not-patched.md.) The
 * control: a user's sign-out (`ios-genuine-sign-out`) still signs native out. 3.2.7 carries Fix D
 * too (the same component, the same file).
 */
const LATEST = '3.2.8';
const WITH_D = '3.2.7';

beforeAll(async () => {
  for (const v of [LATEST, WITH_D]) await dependencySet(v);
}, 1_800_000);

async function run(version: string, variant: Variant, name: string) {
  const dist = await expoDist(version, variant);
  return DeviceWorld.with((world) => runLoadedScenario(world, loadMatrixScenario(name), dist, { bridge: bridgeFor(version) }));
}

describe('Fix N: a load that ends signed out is not a sign-out (real ClerkProvider, iOS, 3.1–3.3 native module)', () => {
  it(`${LATEST} pristine, offline at launch: native signOut() right after the signed-out load ends the session`, async () => {
    const o = await run(LATEST, 'pristine', 'offline-at-launch-5s-ios-native');
    expect(o.wasSignedInInJs).toBe(false);
    expect(o.signOuts.length).toBeGreaterThan(0);
    expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
  });

  for (const v of [LATEST, WITH_D])
    it(`${v} patched, offline at launch, the app reopened: no native signOut(); the session lives and the reopened app is signed in`, async () => {
      const o = await run(v, 'patched', 'offline-at-launch-5s-reopen-ios-native');
      expect(o.signOuts).toEqual([]);
      expect(o.serverSession?.status).toBe('active');
      expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
    });

  it(`${LATEST} patched, the user signs out: native signOut() follows the JS sign-out`, async () => {
    const o = await run(LATEST, 'patched', 'ios-genuine-sign-out');
    expect(o.wasSignedInInJs).toBe(true);
    expect(o.signOuts.length).toBeGreaterThan(0);
    expect(o.nativeSessionId).toBeNull();
    expect(o.serverSession?.status).toBe('ended');
  });
});
