import semver from 'semver';
import type { FapiSession, StallMatch } from '../fapi/server.ts';
import { DeviceWorld } from './world.ts';
import { expoDist, type ExpoDist, type Variant } from './expo-dist.ts';
import { createDevice, launch, Stalled, type AuthSnapshot, type Device, type DeviceOptions, type RunningApp } from './device.ts';
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
  /**
   * JS Clerk never finished loading (`useAuth().isLoaded` still false after 10 min of virtual time
   * awake): a hung cold start, or a JS reload (`relaunch` step) that never loaded again.
   */
  neverLoaded: boolean;
  /**
   * JS loaded, but something the app started never finished within 10 min of virtual time awake:
   * the native bootstrap, the reload that follows it, a sign-out, a token request (the `what` of
   * `app.until`). The steps after it did not run; the facts are the app's state at that point.
   */
  unsettled?: string;
  /** The device's original session on the Frontend API at the end (a copy: status, endedBy…). */
  serverSession: FapiSession | undefined;
  nativeSessionId: string | null;
  nativeDeviceToken: string | null;
  getSessionCalls: NativeCall[];
  /** What the secure store holds under __clerk_client_jwt at the end. */
  storedClientJwt: string | null;
  /** The JWT the server accepts now for the client holding the device's original session (null: no such session). */
  userClientJwt: string | null;
  /**
   * Scenarios that expect the user still signed in, when the app ended signed in with its original
   * session, active on the server, and the user's client JWT stored: the state after a cold relaunch on the same device (keychain and native storage kept)
   * on a working network, unlocked, in the foreground — the session must survive it.
   */
  relaunched?: { auth: AuthSnapshot; neverLoaded: boolean; unsettled?: string };
  /**
   * Scenarios that expect the user signed out: the state after a cold relaunch that followed the
   * steps (app process killed and started again: a fresh JS bundle, the native SDK configured
   * anew), so "stuck until the app restarts" reads differently from "stuck for good".
   */
  afterRestart?: { auth: AuthSnapshot; nativeSessionId: string | null; neverLoaded: boolean; unsettled?: string };
  device: Device;
}

const isLoadedAuth = (e: Device['timeline'][number]) => e.kind === 'auth' && e.auth.isLoaded;
/** What `settle` waits for first: a launch that never gets past it never loaded. */
const JS_LOADING = 'JS Clerk loading';
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
  await app.until(() => app.auth.isLoaded, JS_LOADING);
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

/** The app running now (a relaunch step or a cold relaunch replaces it), and what undoes the network's hangs. */
interface Current {
  app: RunningApp;
  releases: (() => void)[];
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
  const restoreNetwork = applyNetwork(world, scenario.network);
  const first = await launch(device, dist);
  const current: Current = { app: first, releases: [] };
  try {
    let neverLoaded = !(await first.waitFor(() => first.auth.isLoaded));
    let unsettled: string | undefined;
    try {
      if (!neverLoaded) await settle(first, device, dist.version);
      // A launch still loading is the user's all the same: they unlock the phone, bring the app
      // back, relaunch it (the scenario's steps). It is `hang` only if nothing they do makes it load.
      for (const step of scenario.steps ?? []) await runStepIn(step, current, device, dist);
      if (neverLoaded && current.app.auth.isLoaded) {
        neverLoaded = false;
        await settle(current.app, device, dist.version);
      }
      if (!neverLoaded && scenario.signOutInJs && current.app.auth.isSignedIn) await runStepIn('sign-out-in-js', current, device, dist);
    } catch (err) {
      // Something the app started never finished: an outcome to judge, not a fault of the run.
      if (!(err instanceof Stalled)) throw err;
      if (err.what === JS_LOADING) neverLoaded = true;
      else if (!(neverLoaded && !current.app.auth.isLoaded)) {
        // The app loaded (at launch or on a relaunch step), then something it started never ended.
        neverLoaded = false;
        unsettled = err.what;
      }
    }
    const wasSignedInInJs = first.history.some((h) => h.isLoaded && h.isSignedIn === true);
    const firstLoaded = device.timeline.findIndex(isLoadedAuth);
    const initial = device.initialSessionId;
    const s = initial ? fapi.sessions.get(initial) : undefined;
    const finalAuth = current.app.auth;
    const nativeSessionId = device.native.sessionId;
    const storedClientJwt = device.store.items.get(CLIENT_JWT_KEY) ?? null;
    const userClientJwt = (s && fapi.clients.get(s.clientId)?.jwt) ?? null;
    // Native facts as the steps left them (a relaunch below makes calls of its own).
    const signOuts = device.native.callsOf('signOut');
    const getSessionCalls = device.native.callsOf('getSession');
    const nativeDeviceToken = device.native.deviceToken;
    const settled = !neverLoaded && !unsettled;
    let afterRestart: Outcome['afterRestart'];
    let relaunched: Outcome['relaunched'];
    if (settled && scenario.expect === 'signed-out') {
      const r = await relaunchOutcome(current, device, dist);
      afterRestart = { ...r, nativeSessionId: device.native.sessionId };
    } else if (
      settled &&
      finalAuth.isLoaded &&
      finalAuth.isSignedIn === true &&
      finalAuth.sessionId === initial &&
      s?.status === 'active' &&
      storedClientJwt !== null &&
      storedClientJwt === userClientJwt
    ) {
      // The session must survive the next launch: on a working network, unlocked, in the foreground.
      restoreNetwork();
      for (const release of current.releases.splice(0)) release();
      device.store.unlock();
      device.appState.currentState = 'active'; // the next launch starts in the foreground (the killed app is told nothing)
      relaunched = await relaunchOutcome(current, device, dist);
    }
    return {
      version: dist.version,
      variant: dist.variant,
      signOutsBeforeLoad: device.timeline
        .slice(0, firstLoaded === -1 ? undefined : firstLoaded)
        .flatMap((e) => (e.kind === 'native' && e.call.method === 'signOut' ? [e.call] : [])),
      // Scenarios that expect a sign-out count the cold relaunch's signOut() calls too, as they always did.
      signOuts: afterRestart ? device.native.callsOf('signOut') : signOuts,
      finalAuth,
      wasSignedInInJs,
      neverLoaded,
      ...(unsettled ? { unsettled } : {}),
      serverSession: s ? { ...s, tokens: [...s.tokens] } : undefined,
      nativeSessionId,
      nativeDeviceToken: afterRestart ? device.native.deviceToken : nativeDeviceToken,
      getSessionCalls: afterRestart ? device.native.callsOf('getSession') : getSessionCalls,
      storedClientJwt,
      userClientJwt,
      afterRestart,
      relaunched,
      device,
    };
  } finally {
    await current.app.unmount();
  }
}

/** A cold relaunch whose launch may never load or settle: what the user sees then. */
async function relaunchOutcome(current: { app: RunningApp }, device: Device, dist: ExpoDist): Promise<NonNullable<Outcome['relaunched']>> {
  try {
    await coldRelaunch(current, device, dist);
    return { auth: current.app.auth, neverLoaded: false };
  } catch (err) {
    if (!(err instanceof Stalled)) throw err;
    return err.what === JS_LOADING
      ? { auth: current.app.auth, neverLoaded: true }
      : { auth: current.app.auth, neverLoaded: false, unsettled: err.what };
  }
}

/**
 * Puts the scenario's network in force from launch on; the network's changes are timers on the
 * world's virtual clock. Returns what makes the network work again: online, every held request
 * answered, nothing held any more.
 */
function applyNetwork(world: DeviceWorld, network: ScenarioNetwork | undefined): () => void {
  const { fapi, clock } = world;
  const releases: (() => void)[] = [];
  let restored = false;
  const restore = () => {
    restored = true;
    fapi.offline = false;
    for (const release of releases.splice(0)) release();
  };
  if (!network) return restore;
  const [method, path] = network.stall?.split(' ') ?? [];
  // The scenario's hung connection is the app's (its fetch); the native SDK's requests use connections of their own.
  const matches = (r: StallMatch) => r.source !== 'native' && r.method === method && r.path === path;
  if (network.offlineAtLaunch) fapi.offline = true;
  let backOnline = false;
  if (network.stall && network.answerAfterMs !== undefined) {
    const ms = network.answerAfterMs;
    const holdNext = () => {
      if (restored) return;
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
      releases.push(release);
    };
    holdNext();
  } else if (network.stall) {
    let held = 0;
    releases.push(fapi.stall((r) => !backOnline && matches(r) && (network.stallCount === undefined || held++ < network.stallCount)));
  }
  if (network.restoredAfterMs !== undefined)
    clock.globals.setTimeout(() => {
      backOnline = true;
      fapi.offline = false;
    }, network.restoredAfterMs);
  return restore;
}

/** The app process killed and started again: a fresh JS bundle, the native SDK started cold (its keychain kept). */
async function coldRelaunch(current: { app: RunningApp }, device: Device, dist: ExpoDist): Promise<void> {
  device.steps?.push({ step: 'cold-restart', ...stamp() });
  await current.app.unmount();
  device.native.coldRestart();
  current.app = await launch(device, dist);
  await settle(current.app, device, dist.version);
}

/** One step on the running app; answers the app running after it (a relaunch replaces it). */
export async function runStep(step: Step, app: RunningApp, device: Device, dist: ExpoDist): Promise<RunningApp> {
  const current: Current = { app, releases: [] };
  await runStepIn(step, current, device, dist);
  return current.app;
}

async function runStepIn(step: Step, current: Current, device: Device, dist: ExpoDist): Promise<void> {
  const app = current.app;
  device.steps?.push({ step, ...stamp() });
  const fapi = device.fapi;
  const sessionId = device.initialSessionId;
  switch (step) {
    case 'sign-out-in-js': {
      if (!app.auth.isSignedIn) return;
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
      return;
    }
    case 'revoke-on-server':
      if (sessionId) fapi.revokeSession(sessionId);
      return;
    case 'expire-on-server':
      if (sessionId) fapi.endSession(sessionId, 'expired');
      return;
    case 'abandon-on-server':
      if (sessionId) fapi.endSession(sessionId, 'abandoned');
      return;
    case 'offline':
      fapi.offline = true;
      return;
    case 'online':
      fapi.offline = false;
      return;
    case 'network-hangs':
      current.releases.push(fapi.stall(() => true));
      return;
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
      return;
    }
    case 'unlock':
      device.store.unlock();
      return;
    case 'relaunch': {
      await app.unmount();
      current.app = await launch(device, dist);
      await settle(current.app, device, dist.version);
      return;
    }
    default:
      current.app = await runExtraStep(step, app, device, dist, { settle, quiet });
      return;
  }
}
