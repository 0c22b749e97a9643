import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST } from '../../scripts/infra/paths.ts';
import { createDevice, launch, type Device } from '../harness/expo/device.ts';
import { expoDist } from '../harness/expo/expo-dist.ts';
import { runScenario, type Outcome } from '../harness/expo/run-scenario.ts';
import { loadScenario } from '../harness/expo/scenario.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { dependencySet } from '../harness/expo/dependency-set.ts';

/**
 * The real @clerk/expo ClerkProvider (published dist, pristine and with the shipped patch
 * applied by patch-package) on a simulated device: real react, @clerk/react and
 * @clerk/clerk-js (native build) as each version's own package.json resolves them (installed at
 * run time into the dependency-set cache); simulated react-native, ClerkExpo
 * native module and expo-secure-store (test/harness/expo/), and the fake Frontend API
 * (test/harness/fapi/, FakeFapi): a fresh one per scenario, in the scenario's own world (world.ts).
 */
const FIX_D = 'native-signout-after-load';
const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as { patches: { package: string; version: string; fixes: string[] }[] };
/** Every @clerk/expo version whose shipped patch carries Fix D. */
const FIX_D_VERSIONS = manifest.patches.filter((p) => p.package === '@clerk/expo' && p.fixes.includes(FIX_D)).map((p) => p.version);
const UPSTREAM_FIXED = '3.2.8';
const LATEST_AFFECTED = '3.2.7';

beforeAll(async () => {
  // Each version's own dependency closure (npm, cached by version; offline once warm).
  for (const v of new Set([...FIX_D_VERSIONS, UPSTREAM_FIXED])) await dependencySet(v);
});

/** The user stays signed in everywhere: what Fix D promises on a JS reload. */
function expectKeptSignedIn(o: Outcome) {
  expect(o.signOuts, `${o.version} ${o.variant}: native signOut() calls`).toEqual([]);
  expect(o.finalAuth, `${o.version} ${o.variant}: JS auth`).toMatchObject({
    isLoaded: true,
    isSignedIn: true,
    sessionId: o.device.initialSessionId,
  });
  expect(o.serverSession?.status, `${o.version} ${o.variant}: session on the Frontend API`).toBe('active');
  expect(o.nativeSessionId, `${o.version} ${o.variant}: native session`).toBe(o.device.initialSessionId);
  expect(o.nativeDeviceToken, `${o.version} ${o.variant}: native device token`).not.toBeNull();
}

/** The bug: native signOut() before JS loaded ends the session on the server; JS loads signed out. */
function expectSignedOutByReload(o: Outcome) {
  expect(o.signOutsBeforeLoad.length, `${o.version} ${o.variant}: native signOut() before JS loaded`).toBeGreaterThan(0);
  expect(o.signOutsBeforeLoad[0]!.endedSession).toBe(o.device.initialSessionId);
  expect(o.serverSession).toMatchObject({ status: 'ended', endedBy: 'native' });
  expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
  expect(o.nativeDeviceToken).toBeNull();
}

describe('scenario 1: JS reload with the native side configured and signed in (iOS)', () => {
  it('carries Fix D on the expected versions', () => {
    expect(FIX_D_VERSIONS).toEqual(['3.1.6', '3.1.8', '3.1.10', '3.2.1', '3.2.5', '3.2.7']);
  });

  for (const version of FIX_D_VERSIONS) {
    it(`${version} pristine: native signOut() before JS loaded ends the session; the user lands signed out`, async () => {
      expectSignedOutByReload(await runScenario('ios-js-reload-signed-in', version, 'pristine'));
    });
    it(`${version} patched: the user stays signed in and native signOut() is never called`, async () => {
      expectKeptSignedIn(await runScenario('ios-js-reload-signed-in', version, 'patched'));
    });
  }

  it(`${UPSTREAM_FIXED} (upstream fix, pristine): the user stays signed in too`, async () => {
    expectKeptSignedIn(await runScenario('ios-js-reload-signed-in', UPSTREAM_FIXED, 'pristine'));
  });
});

describe('scenario 2: a genuine sign-out in JS still signs the native side out', () => {
  for (const [version, variant] of [
    [LATEST_AFFECTED, 'patched'],
    [UPSTREAM_FIXED, 'pristine'],
  ] as const) {
    it(`${version} ${variant}: after JS signs out, native signOut() runs once, after load, and native holds nothing`, async () => {
      const o = await runScenario('ios-genuine-sign-out', version, variant);
      expect(o.wasSignedInInJs).toBe(true);
      expect(o.signOutsBeforeLoad).toEqual([]);
      expect(o.signOuts).toHaveLength(1);
      expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
      expect(o.serverSession?.status).toBe('ended');
      expect(o.nativeSessionId).toBeNull();
      expect(o.nativeDeviceToken).toBeNull();
    });
  }

  it(`${LATEST_AFFECTED} pristine: the user never gets to sign out — the reload already signed them out`, async () => {
    const o = await runScenario('ios-genuine-sign-out', LATEST_AFFECTED, 'pristine');
    expect(o.wasSignedInInJs).toBe(false);
    expect(o.serverSession).toMatchObject({ status: 'ended', endedBy: 'native' });
  });
});

describe('scenario 3: iOS cold start, the native session appears only after configure() resolved', () => {
  /** The pristine 3.2.7 JS bootstrap (Fix D does not touch it): configure(), then 30×100 ms getSession() polls. */
  async function coldStart(name: string, settled: (d: Device) => boolean) {
    const dist = await expoDist(LATEST_AFFECTED, 'pristine');
    return DeviceWorld.with(async (world) => {
      const device = await createDevice(loadScenario(name), world);
      const app = await launch(device, dist);
      await app.until(() => app.auth.isLoaded && settled(device), 'the native bootstrap to finish');
      return { device, auth: app.auth };
    });
  }
  const BOOTSTRAP_POLLS = 30;

  it('pristine Swift: configure() returns at 3 s without the session, and all 30 JS polls (3.0–6.0 s) miss it', async () => {
    const { device, auth } = await coldStart(
      'ios-cold-start-late-session-pristine-swift',
      (d) => d.native.callsOf('getSession').length >= BOOTSTRAP_POLLS,
    );
    const [configure] = device.native.callsOf('configure');
    expect(configure!.args[1]).not.toBeNull(); // the shared client token from the secure store
    const polls = device.native.callsOf('getSession');
    expect(polls.length).toBeGreaterThanOrEqual(BOOTSTRAP_POLLS);
    expect(polls.every((c) => c.result === null)).toBe(true);
    expect(polls[0]!.at).toBe(3000);
    expect(polls[polls.length - 1]!.at).toBeLessThan(6500);
    // JS is signed in only because the Frontend API client is shared; the bootstrap never saw the native session.
    expect(auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: device.initialSessionId });
    // The native session shows up later, after the JS bootstrap stopped looking.
    device.native.advance(1000);
    expect(device.native.sessionId).toBe(device.initialSessionId);
  });

  it("Fix B's configure() (waits for a definitive answer): the first JS poll gets the session and it ends active in JS", async () => {
    const { device, auth } = await coldStart('ios-cold-start-late-session-fix-b', (d) =>
      d.native.callsOf('getSession').some((c) => c.result !== null),
    );
    const [first] = device.native.callsOf('getSession');
    expect(first).toMatchObject({ at: 6500, result: device.initialSessionId });
    expect(auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: device.initialSessionId });
    expect(device.fapi.sessions.get(device.initialSessionId!)?.status).toBe('active');
    expect(device.native.sessionId).toBe(device.initialSessionId);
    expect(device.native.callsOf('signOut').filter((c) => c.endedSession)).toEqual([]);
  });
});

describe('scenario 4: Android', () => {
  it('cold start: the patch leaves the outcome unchanged (signed in everywhere, same session, same server state)', async () => {
    const [pristine, patched] = [
      await runScenario('android-cold-start-signed-in', LATEST_AFFECTED, 'pristine'),
      await runScenario('android-cold-start-signed-in', LATEST_AFFECTED, 'patched'),
    ];
    const summary = (o: Outcome) => ({
      auth: {
        isLoaded: o.finalAuth.isLoaded,
        isSignedIn: o.finalAuth.isSignedIn,
        sameSession: o.finalAuth.sessionId === o.device.initialSessionId,
      },
      server: o.serverSession?.status,
      native: { sameSession: o.nativeSessionId === o.device.initialSessionId, hasToken: o.nativeDeviceToken !== null },
      endedByNative: o.signOuts.some((c) => c.endedSession),
    });
    expect(summary(patched)).toEqual(summary(pristine));
    expect(summary(patched)).toEqual({
      auth: { isLoaded: true, isSignedIn: true, sameSession: true },
      server: 'active',
      native: { sameSession: true, hasToken: true },
      endedByNative: false,
    });
  });

  it('genuine sign-out: pristine and patched both sign the native side out', async () => {
    for (const variant of ['pristine', 'patched'] as const) {
      const o = await runScenario('android-genuine-sign-out', LATEST_AFFECTED, variant);
      if (variant === 'patched') expect(o.wasSignedInInJs).toBe(true);
      expect(o.signOuts.length, variant).toBeGreaterThan(0);
      expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
      expect(o.serverSession?.status).toBe('ended');
      expect(o.nativeDeviceToken).toBeNull();
    }
  });

  it('JS reload while initialised: the bug exists on Android too, and the patch fixes it there as well', async () => {
    expectSignedOutByReload(await runScenario('android-js-reload-signed-in', LATEST_AFFECTED, 'pristine'));
    expectKeptSignedIn(await runScenario('android-js-reload-signed-in', LATEST_AFFECTED, 'patched'));
  });
});
