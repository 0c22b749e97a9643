import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeFapi } from '../harness/fapi/server.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { createDevice, launch, type Device, type LaunchOptions, type RunningApp } from '../harness/expo/device.ts';
import { expoDist, type ExpoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { bridgeFor } from '../harness/expo/native-module.ts';
import type { NativeScenario } from '../harness/expo/scenario.ts';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { claimsOf } from '../harness/fapi/jwt.ts';

/**
 * Fixes G and H on the real @clerk/expo ClerkProvider (published dist, pristine and with the
 * shipped patch applied by patch-package), each version on its own dependency set, against the
 * fake Frontend API and the simulated device. Every scenario is a cold start of a user who is
 * signed in in JS (the client JWT is in SecureStore and names a client with an active session).
 */
const H_VERSIONS = ['3.2.7', '3.4.3', '3.6.2'];
const H_UPSTREAM = '3.6.3';
const G_VERSIONS = ['3.4.3', '3.6.2', '3.7.8', '4.0.2', '4.0.4'];
/** 4.0.4 carries #9222 but compares the client before and after a fetch that refetches into the same object (patched); upstream fixed it in 4.1.0/4.1.1, and 4.2.0 is the first of those on the registry. */
const G_UPSTREAM = '4.2.0';

beforeAll(async () => {
  for (const v of new Set([...H_VERSIONS, H_UPSTREAM, ...G_VERSIONS, G_UPSTREAM])) await dependencySet(v);
}, 1_800_000);

const KEY = '__clerk_client_jwt';
const storedJwt = (d: Device) => d.store.items.get(KEY) ?? null;
/** The client a client JWT names (the Frontend API rotates the JWT itself on every response). */
const clientOf = (jwt: string | null | undefined) => (jwt ? (claimsOf(jwt).id as string) : null);
/** GET /v1/client requests the app made since `from`, with the client token each carried. */
const clientReads = (fapi: FakeFapi, from: number) =>
  fapi.requests.filter((r) => r.seq > from && r.method === 'GET' && r.path === '/v1/client').map((r) => r.authorization);
const lastSeq = (fapi: FakeFapi) => fapi.requests[fapi.requests.length - 1]?.seq ?? 0;

async function settled(app: RunningApp, device: Device, cond: () => boolean, what: string) {
  await app.until(() => app.auth.isLoaded, 'JS Clerk loading');
  await app.until(cond, what);
  const idle = () =>
    device.native.pending === 0 && app.setActiveCalls.settled === app.setActiveCalls.started && app.reloads.settled === app.reloads.started;
  for (let i = 0; i < 3; i++) await app.until(idle, 'the app settling');
}

// ---------------------------------------------------------------------------------------------
// Fix H: an API client module calls getClerkInstance() before <ClerkProvider tokenCache> mounts.
// ---------------------------------------------------------------------------------------------

/** JS-only configuration (no native module): the JS token cache is the only place the session lives. */
const jsOnlyColdStart: NativeScenario = {
  name: 'h-cold-start',
  description: 'JS-only cold start, signed in: the client JWT is in SecureStore',
  platform: 'ios',
  signedIn: true,
  native: null,
  js: { tokenCache: 'device-client' },
};

async function hColdStart(version: string, variant: Variant, early: boolean) {
  const dist = await expoDist(version, variant);
  return DeviceWorld.with(async (world) => {
    const fapi = world.fapi;
    const device = await createDevice(jsOnlyColdStart, world, { bridge: bridgeFor(version) });
    const from = lastSeq(fapi);
    const options: LaunchOptions = early
      ? { beforeProvider: (getClerkInstance, f) => void getClerkInstance({ publishableKey: f.publishableKey, proxyUrl: f.proxyUrl }) }
      : {};
    const app = await launch(device, dist, options);
    await settled(app, device, () => app.auth.isSignedIn !== undefined, 'JS reporting signed in or out');
    return {
      auth: app.auth,
      session: device.initialSessionId,
      reads: clientReads(fapi, from),
      stored: storedJwt(device),
      clientJwt: device.store.items.get(KEY),
    };
  });
}

describe('Fix H: getClerkInstance() before ClerkProvider mounts (cold start, client JWT in SecureStore)', () => {
  for (const v of H_VERSIONS) {
    it(`${v} pristine: the singleton keeps MemoryTokenCache; GET /v1/client goes out without the client JWT and the user lands signed out`, async () => {
      const o = await hColdStart(v, 'pristine', true);
      expect(o.reads.length).toBeGreaterThan(0);
      expect(
        o.reads.every((a) => a === ''),
        `authorization of every GET /v1/client: ${JSON.stringify(o.reads)}`,
      ).toBe(true);
      expect(o.auth).toMatchObject({ isLoaded: true, isSignedIn: false });
    });
    it(`${v} patched: ClerkProvider's SecureStore takes effect; the user stays signed in`, async () => {
      const o = await hColdStart(v, 'patched', true);
      expect(o.reads[0], 'the first GET /v1/client carries the stored client JWT').toBe(o.stored);
      expect(o.auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.session });
    });
  }
  it(`${H_UPSTREAM} (upstream fix): the user stays signed in`, async () => {
    const o = await hColdStart(H_UPSTREAM, 'pristine', true);
    expect(o.auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.session });
  });
  it(`outside the bug (ClerkProvider mounts first): ${H_VERSIONS.at(-1)} pristine and patched both stay signed in`, async () => {
    const v = H_VERSIONS.at(-1)!;
    for (const variant of ['pristine', 'patched'] as const) {
      const o = await hColdStart(v, variant, false);
      expect(o.auth, variant).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.session });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Fix G: the native SDK restored a stale, session-less client of its own.
// ---------------------------------------------------------------------------------------------

/** iOS cold start: JS and native both start cold; the device holds the signed-in client in SecureStore. */
const nativeColdStart = (jsSignedIn: boolean): NativeScenario => ({
  name: 'g-cold-start',
  description: 'iOS cold start; the native SDK restores a client of its own from its keychain',
  platform: 'ios',
  signedIn: jsSignedIn,
  native: { configured: false, signedIn: jsSignedIn, configure: 'wait-for-session', sessionRestoredAtMs: 0 },
  js: { tokenCache: jsSignedIn ? 'device-client' : 'empty' },
});

async function gColdStart(version: string, variant: Variant, native: 'stale-sessionless' | 'signed-in-elsewhere') {
  const dist = await expoDist(version, variant);
  return DeviceWorld.with(async (world) => gColdStartIn(world, version, dist, native));
}

async function gColdStartIn(world: DeviceWorld, version: string, dist: ExpoDist, native: 'stale-sessionless' | 'signed-in-elsewhere') {
  const fapi = world.fapi;
  const jsSignedIn = native === 'stale-sessionless';
  const device = await createDevice(nativeColdStart(jsSignedIn), world, { bridge: bridgeFor(version) });
  // The native keychain's own client: one whose session has ended (stale), or one signed in natively.
  const other = await fapi.signIn(native === 'stale-sessionless' ? 'user_stale' : 'user_native');
  if (native === 'stale-sessionless') fapi.endSession(other.session.id, 'abandoned');
  device.native.deviceToken = other.clientJwt;
  device.native.keepsOwnClient = true;
  const jsJwt = storedJwt(device);
  const from = lastSeq(fapi);
  const app = await launch(device, dist);
  const readNative = () =>
    fapi.requests.some(
      (r) => r.seq > from && r.method === 'GET' && r.path === '/v1/client' && r.authorization === other.clientJwt && r.status === 200,
    );
  // Settled once the client named by the native token was read, and JS either kept its token or changed its auth state.
  const storedClient = () => clientOf(storedJwt(device));
  // Settled, on the outcome either way: signed out with nothing in flight, or signed in with the
  // JS client's token written back after the native client's (the check ran and was undone);
  // when the native client has a session, signed in. Then nothing left running, three times over.
  const writes = () => device.store.writes.filter((w) => w.key === KEY).map((w) => clientOf(w.value));
  const undone = () => {
    const w = writes();
    const stale = w.indexOf(other.client.id);
    return stale !== -1 && w.slice(stale + 1).includes(clientOf(jsJwt));
  };
  const idle = () =>
    device.native.pending === 0 && app.setActiveCalls.settled === app.setActiveCalls.started && app.reloads.settled === app.reloads.started;
  await app.until(() => app.auth.isLoaded, 'JS Clerk loading');
  // With Fix L (3.4.2+) the sync waits for JS Clerk's own client first; where the version's guard
  // then sees a signed-in JS client (3.6.x), it keeps it without reading the native client at all.
  const keptWithoutAdopting = () =>
    device.native.callsOf('getClientToken').length > 0 && app.auth.isSignedIn === true && idle() && !writes().includes(other.client.id);
  await app.until(
    () =>
      native === 'signed-in-elsewhere'
        ? readNative() && app.auth.isSignedIn === true
        : (readNative() && ((app.auth.isSignedIn === false && idle()) || (app.auth.isSignedIn === true && undone()))) ||
          keptWithoutAdopting(),
    'the native→JS client sync deciding on the native client',
  );
  for (let i = 0; i < 3; i++) await app.until(idle, 'the app settling after the native→JS client sync');
  return {
    auth: app.auth,
    session: device.initialSessionId,
    nativeSession: other.session.id,
    stored: storedClient(),
    jsJwt: clientOf(jsJwt),
    nativeJwt: other.clientJwt,
    nativeClient: other.client.id,
    reads: clientReads(fapi, from),
  };
}

describe('Fix G: cold start, the native SDK holds a stale, session-less client of its own', () => {
  for (const v of G_VERSIONS) {
    it(`${v} pristine: JS adopts the native client token and lands signed out`, async () => {
      const o = await gColdStart(v, 'pristine', 'stale-sessionless');
      expect(o.reads, 'GET /v1/client with the native token').toContain(o.nativeJwt);
      expect(o.auth).toMatchObject({ isLoaded: true, isSignedIn: false });
    });
    it(`${v} patched: the native client is checked or never adopted, and JS keeps its token and session`, async () => {
      const o = await gColdStart(v, 'patched', 'stale-sessionless');
      expect(o.stored).toBe(o.jsJwt);
      expect(o.auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.session });
    });
  }
  it(`${G_UPSTREAM} (upstream, with the client snapshot): JS keeps its token and session`, async () => {
    const o = await gColdStart(G_UPSTREAM, 'pristine', 'stale-sessionless');
    expect(o.stored).toBe(o.jsJwt);
    expect(o.auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.session });
  });
  for (const v of [G_VERSIONS[0]!, G_VERSIONS.at(-1)!]) {
    it(`${v} outside the bug (JS signed out, native signed in): pristine and patched both adopt the native session`, async () => {
      const pristine = await gColdStart(v, 'pristine', 'signed-in-elsewhere');
      const patched = await gColdStart(v, 'patched', 'signed-in-elsewhere');
      for (const o of [pristine, patched]) {
        expect(o.stored).toBe(o.nativeClient);
        expect(o.auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.nativeSession });
      }
    });
  }
});
