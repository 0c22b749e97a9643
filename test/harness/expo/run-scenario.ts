import semver from 'semver';
import type { FapiSession } from '../fapi/server.ts';
import { DeviceWorld } from './world.ts';
import { expoDist, type ExpoDist, type Variant } from './expo-dist.ts';
import { createDevice, launch, type AuthSnapshot, type Device, type DeviceOptions, type RunningApp } from './device.ts';
import type { NativeCall } from './native-module.ts';
import { stamp } from '../event-order.ts';
import { loadScenario, type NativeScenario, type ScenarioNetwork, type Step } from './scenario.ts';
import { runExtraStep } from './extra-steps.ts';

/**
 * Runs one scenario (fixtures/native/<name>.json) on a fresh simulated device against one
 * @clerk/expo build, and reports what happened: the facts the scenario tests assert on.
 */
export interface Outcome {
  version: string;
  variant: Variant;
  /** Native signOut() calls made while JS Clerk had not loaded yet. */
  signOutsBeforeLoad: NativeCall[];
  signOuts: NativeCall[];
  /** JS auth state when the app settled (after the scenario's steps). */
  finalAuth: AuthSnapshot;
  /** True once JS had loaded and reported signed in at some point (before the scenario's steps). */
  wasSignedInInJs: boolean;
  /** JS Clerk never finished loading (`useAuth().isLoaded` still false after 10 min of virtual time awake): a hung cold start. */
  neverLoaded: boolean;
  /** The device's original session on the Frontend API at the end (a copy: status, endedBy…). */
  serverSession: FapiSession | undefined;
  nativeSessionId: string | null;
  nativeDeviceToken: string | null;
  getSessionCalls: NativeCall[];
  /** What the secure store holds under __clerk_client_jwt at the end. */
  storedClientJwt: string | null;
  /**
   * Scenarios that expect the user signed out: the state after a cold relaunch that followed the
   * steps (app process killed and started again: a fresh JS bundle, the native SDK configured
   * anew), so "stuck until the app restarts" reads differently from "stuck for good".
   */
  afterRestart?: { auth: AuthSnapshot; nativeSessionId: string | null };
  device: Device;
}

const isLoadedAuth = (e: Device['timeline'][number]) => e.kind === 'auth' && e.auth.isLoaded;
const CLIENT_JWT_KEY = '__clerk_client_jwt';

export interface RunOptions extends DeviceOptions {
  /** Patch text for the "patched" variant instead of the shipped patch file. */
  patchText?: string;
}

/** Runs scenario `name` in a world of its own (fresh server, clock and network), closed before this returns. */
export async function runScenario(name: string, version: string, variant: Variant, options: RunOptions = {}): Promise<Outcome> {
  const dist = await expoDist(version, variant, options.patchText);
  return DeviceWorld.with((world) => runLoadedScenario(world, loadScenario(name), dist, options));
}

/** Settled: JS has loaded and the native bootstrap of the device's bridge generation has finished. */
export async function settle(app: RunningApp, device: Device, version: string): Promise<void> {
  const loadedAt = () => device.timeline.findIndex(isLoadedAuth);
  await app.until(() => app.auth.isLoaded, 'JS Clerk loading');
  const native = device.native;
  switch (native.bridge) {
    case 'none':
      break;
    case 'session':
      // The native bootstrap has asked the native side for its session (after JS loaded).
      await app.until(() => native.callsOf('getSession').length > 0, 'the native bootstrap calling getSession()');
      // 3.1.6+ (NativeSessionSync) checks again once JS has loaded; 3.1.2–3.1.5 only at bootstrap.
      if (semver.gte(version, '3.1.6'))
        await app.until(
          () =>
            !app.auth.isSignedIn || device.timeline.slice(loadedAt()).some((e) => e.kind === 'native' && e.call.method === 'getSession'),
          'a native session check after JS loaded',
        );
      break;
    case 'client-token':
      // configure(), then syncNativeClientToJs: getClientToken() polls, a reload of the client.
      // It polls up to 30 times for a token, then saves (or clears) it and reloads the client.
      await app.until(
        () =>
          native.callsOf('configure').length > 0 &&
          native.callsOf('getClientToken').some((c, i, all) => c.result !== null || all.length >= 30),
        'the native bootstrap (configure, getClientToken)',
      );
      break;
    case 'device-token':
      // configure(), then the bootstrap compares the JS and native device tokens (getClientToken).
      await app.until(
        () =>
          native.callsOf('configure').length > 0 &&
          native.calls.slice(native.calls.indexOf(native.callsOf('configure')[0]!)).some((c) => c.method === 'getClientToken'),
        'the native bootstrap (configure, getClientToken)',
      );
      break;
  }
  await quiet(app, device);
}

/** Waits until nothing the bootstrap started is still running (native calls, setActive, client reloads). */
async function quiet(app: RunningApp, device: Device): Promise<void> {
  const idle = () =>
    device.native.pending === 0 && app.setActiveCalls.settled === app.setActiveCalls.started && app.reloads.settled === app.reloads.started;
  for (let i = 0; i < 3; i++) await app.until(idle, 'the app settling (native calls, setActive, client reloads)');
}

/** Runs the scenario on a fresh device in `world` (the caller closes the world; the app is unmounted here). */
export async function runLoadedScenario(
  world: DeviceWorld,
  scenario: NativeScenario,
  dist: ExpoDist,
  options: DeviceOptions = {},
): Promise<Outcome> {
  const fapi = world.fapi;
  const device = await createDevice(scenario, world, options);
  applyNetwork(world, scenario.network);
  let app = await launch(device, dist);
  let wasSignedInInJs = false;
  try {
    const neverLoaded = !(await app.waitFor(() => app.auth.isLoaded));
    if (!neverLoaded) await settle(app, device, dist.version);
    wasSignedInInJs = app.history.some((h) => h.isLoaded && h.isSignedIn === true);
    if (!neverLoaded) for (const step of scenario.steps ?? []) app = await runStep(step, app, device, dist);
    if (!neverLoaded && scenario.signOutInJs && app.auth.isSignedIn) app = await runStep('sign-out-in-js', app, device, dist);
    const firstLoaded = device.timeline.findIndex(isLoadedAuth);
    const s = device.initialSessionId ? fapi.sessions.get(device.initialSessionId) : undefined;
    const finalAuth = app.auth;
    const nativeSessionId = device.native.sessionId;
    let afterRestart: Outcome['afterRestart'];
    if (!neverLoaded && scenario.expect === 'signed-out') {
      app = await coldRelaunch(app, device, dist);
      afterRestart = { auth: app.auth, nativeSessionId: device.native.sessionId };
    }
    return {
      version: dist.version,
      variant: dist.variant,
      signOutsBeforeLoad: device.timeline
        .slice(0, firstLoaded === -1 ? undefined : firstLoaded)
        .flatMap((e) => (e.kind === 'native' && e.call.method === 'signOut' ? [e.call] : [])),
      signOuts: device.native.callsOf('signOut'),
      finalAuth,
      wasSignedInInJs,
      neverLoaded,
      serverSession: s ? { ...s, tokens: [...s.tokens] } : undefined,
      nativeSessionId,
      nativeDeviceToken: device.native.deviceToken,
      getSessionCalls: device.native.callsOf('getSession'),
      storedClientJwt: device.store.items.get(CLIENT_JWT_KEY) ?? null,
      afterRestart,
      device,
    };
  } finally {
    await app.unmount();
  }
}

/** Puts the scenario's network in force from launch on; the network's changes are timers on the world's virtual clock. */
function applyNetwork(world: DeviceWorld, network: ScenarioNetwork | undefined): void {
  if (!network) return;
  const { fapi, clock } = world;
  const [method, path] = network.stall?.split(' ') ?? [];
  const matches = (r: { method: string; path: string }) => r.method === method && r.path === path;
  if (network.offlineAtLaunch) fapi.offline = true;
  let restored = false;
  if (network.stall && network.answerAfterMs !== undefined) {
    const ms = network.answerAfterMs;
    const holdNext = () => {
      let armed = false;
      const release = fapi.stall((r) => {
        if (!matches(r)) return false;
        if (!armed) {
          armed = true;
          clock.globals.setTimeout(() => {
            release();
            holdNext();
          }, ms);
        }
        return true;
      });
    };
    holdNext();
  } else if (network.stall) {
    let held = 0;
    fapi.stall((r) => !restored && matches(r) && (network.stallCount === undefined || held++ < network.stallCount));
  }
  if (network.restoredAfterMs !== undefined)
    clock.globals.setTimeout(() => {
      restored = true;
      fapi.offline = false;
    }, network.restoredAfterMs);
}

/** The app process killed and started again: a fresh JS bundle, the native SDK started cold (its keychain kept). */
async function coldRelaunch(app: RunningApp, device: Device, dist: ExpoDist): Promise<RunningApp> {
  device.steps?.push({ step: 'cold-restart', ...stamp() });
  await app.unmount();
  device.native.coldRestart();
  const next = await launch(device, dist);
  await settle(next, device, dist.version);
  return next;
}

export async function runStep(step: Step, app: RunningApp, device: Device, dist: ExpoDist): Promise<RunningApp> {
  device.steps?.push({ step, ...stamp() });
  const fapi = device.fapi;
  const sessionId = device.initialSessionId;
  switch (step) {
    case 'sign-out-in-js': {
      if (!app.auth.isSignedIn) return app;
      const loadedAt = device.timeline.length;
      await app.act(() => app.clerk().signOut());
      await app.until(() => app.auth.isSignedIn === false, 'JS signing out');
      // 3.1.6+ (NativeSessionSync) follows a JS sign-out with native signOut(); 3.1.2–3.1.5 never call it.
      if (device.native.bridge === 'session' && semver.gte(dist.version, '3.1.6'))
        await app.until(
          () =>
            device.native.callsOf('signOut').some((c) => device.timeline.findIndex((e) => e.kind === 'native' && e.call === c) >= loadedAt),
          'native signOut() after the JS sign-out',
        );
      await quiet(app, device);
      return app;
    }
    case 'revoke-on-server':
      if (sessionId) fapi.revokeSession(sessionId);
      return app;
    case 'expire-on-server':
      if (sessionId) fapi.endSession(sessionId, 'expired');
      return app;
    case 'abandon-on-server':
      if (sessionId) fapi.endSession(sessionId, 'abandoned');
      return app;
    case 'offline':
      fapi.offline = true;
      return app;
    case 'online':
      fapi.offline = false;
      return app;
    case 'token-401-once':
    case 'token-404-once':
    case 'token-403-once':
    case 'foreground': {
      if (step === 'token-401-once') fapi.failTokenRequests(1);
      if (step === 'token-404-once') fapi.failTokenRequests(1, 404);
      if (step === 'token-403-once') fapi.failTokenRequests(1, 403);
      await app.act(async () => {
        try {
          await app.clerk().session?.getToken({ skipCache: true });
        } catch {
          // The app's own error handling: a failed request is not a sign-out.
        }
      });
      await quiet(app, device);
      return app;
    }
    case 'unlock':
      device.store.unlock();
      return app;
    case 'relaunch': {
      await app.unmount();
      const next = await launch(device, dist);
      await settle(next, device, dist.version);
      return next;
    }
    default:
      return runExtraStep(step, app, device, dist, { settle, quiet });
  }
}
