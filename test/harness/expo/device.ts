import { createRequire } from 'node:module';
import path from 'node:path';
import type { DeviceFapi, DeviceWorld } from './world.ts';
import type { ExpoDist } from './expo-dist.ts';
import { installIntercept, purgeAppModules, resetAppGlobals, setStandIns } from './module-intercept.ts';
import { SimulatedClerkExpo, type Bridge, type NativeCall } from './native-module.ts';
import { expoModulesStub, reactNativeStub } from './react-native-stub.ts';
import type { NativeScenario } from './scenario.ts';
import { InMemorySecureStore } from './secure-store.ts';
import { SimulatedAppState } from './app-state.ts';
import { stamp, type Stamp } from '../event-order.ts';

/**
 * A simulated device: the native module and the keychain (secure store) outlive JS launches;
 * each launch() is a fresh JS bundle (every @clerk module evaluated anew) rendering the real
 * ClerkProvider of the given @clerk/expo dist with react-test-renderer.
 *
 * Renderer choice: react-test-renderer runs effects (react-dom/server does not) and needs no
 * DOM; the provider renders only context providers and our probe, no host components. It is
 * deprecated in React 19 but still ships and works for this; `act` comes from React itself.
 */
const CLIENT_JWT_KEY = '__clerk_client_jwt';

type ReactLike = {
  createElement: (type: unknown, props: Record<string, unknown> | null, ...children: unknown[]) => unknown;
  act: (fn: () => unknown) => Promise<void>;
};
interface TestRendererLike {
  create(el: unknown): { unmount(): void };
}
export interface AuthSnapshot {
  isLoaded: boolean;
  isSignedIn: boolean | undefined;
  sessionId: string | null | undefined;
}
interface ClerkLike {
  loaded: boolean;
  session?: { id: string; getToken(opts?: Record<string, unknown>): Promise<string | null> } | null;
  signOut(): Promise<void>;
}

/** Native calls and JS auth states in the order they happened. */
export type TimelineEntry = ({ kind: 'native'; call: NativeCall } | { kind: 'auth'; auth: AuthSnapshot }) & Partial<Stamp>;

export interface Device {
  timeline: TimelineEntry[];
  scenario: NativeScenario;
  /** The scenario's world: its own fake Frontend API (test/harness/fapi/), virtual clock and network. */
  world: DeviceWorld;
  /** The world's fake Frontend API, which the app and the native module talk to. */
  fapi: DeviceFapi;
  native: SimulatedClerkExpo;
  store: InMemorySecureStore;
  /** React Native AppState: outlives JS launches, as the keychain does. */
  appState: SimulatedAppState;
  /** The server-side session the device started with (null when signed out everywhere). */
  initialSessionId: string | null;
  /** The scenario's steps as they began (and `cold-restart`, the relaunch a signed-out verdict checks), stamped (event-order.ts). */
  steps?: ({ step: string } & Stamp)[];
}

export interface DeviceOptions {
  /** The native bridge generation of the @clerk/expo under test (default: 'session', 3.1–3.3). */
  bridge?: Bridge;
  /** iOS configure() semantics when the scenario does not fix them (pristine Swift: 'return-early'). */
  configure?: 'return-early' | 'wait-for-session';
  /** iOS syncTokenState() keeps the cached client on a first token hand-over (Fix C, and versions without the wipe). Default true. */
  keepCacheOnFirstLaunch?: boolean;
}

/**
 * A device as the scenario describes it; a signed-in one gets a client with one active session
 * on `fapi`. A scenario with `native: null` is the JS-only configuration: no native module.
 */
export async function createDevice(scenario: NativeScenario, world: DeviceWorld, options: DeviceOptions = {}): Promise<Device> {
  const fapi = world.fapi;
  const signedIn = scenario.signedIn ?? scenario.native?.signedIn ?? false;
  const created = signedIn ? await fapi.signIn('user_harness') : null;
  const store = new InMemorySecureStore(scenario.js.secureStore);
  if (created && scenario.js.tokenCache === 'device-client') store.items.set(CLIENT_JWT_KEY, created.clientJwt);
  const bridge = scenario.native ? (options.bridge ?? 'session') : 'none';
  const native = new SimulatedClerkExpo(
    scenario,
    fapi,
    { sessionId: created?.session.id ?? null, token: created?.clientJwt ?? null },
    bridge,
    scenario.native?.configure ?? options.configure,
    options.keepCacheOnFirstLaunch ?? true,
  );
  if (scenario.native?.ownClient === 'stale-sessionless') {
    // The native keychain's own client, whose session has ended: native keeps it over configure()'s token.
    const stale = await fapi.signIn('user_stale');
    fapi.endSession(stale.session.id, 'abandoned');
    native.deviceToken = stale.clientJwt;
    native.keepsOwnClient = true;
  }
  native.network = {
    reach: (r) => fapi.reach(r),
    setTimeout: (fn, ms) => world.clock.globals.setTimeout(fn, ms),
    clearTimeout: (id) => world.clock.globals.clearTimeout(id),
  };
  const timeline: TimelineEntry[] = [];
  native.onCall = (call) => timeline.push({ kind: 'native', call, ...stamp() });
  return {
    timeline,
    scenario,
    world,
    fapi,
    native,
    store,
    appState: new SimulatedAppState(scenario.js.appState),
    initialSessionId: created?.session.id ?? null,
    steps: [],
  };
}

export interface RunningApp {
  /** setActive() calls on the provider's clerk-js instance: started and settled. */
  setActiveCalls: { started: number; settled: number };
  /** __internal_reloadInitialResources() calls (the 3.4+ native→JS client sync ends with one): started and settled. */
  reloads: { started: number; settled: number };
  /** Every auth state the app's component saw, in order. */
  history: AuthSnapshot[];
  readonly auth: AuthSnapshot;
  clerk(): ClerkLike;
  /**
   * Lets the app run, awake, until `cond` holds: real I/O settles, then virtual time moves to the
   * next timer, and so on. Fails with `what` if `cond` does not hold within `budgetMs` of virtual
   * time (default 10 min).
   */
  until(cond: () => boolean, what: string, budgetMs?: number): Promise<void>;
  /** As `until`, but answers false instead of failing when `cond` has not held within `budgetMs` of virtual time. */
  waitFor(cond: () => boolean, budgetMs?: number): Promise<boolean>;
  /** Runs an action (a user tapping "Sign out") until it has finished, time passing as it needs; rethrows its error. */
  act(fn: () => Promise<unknown>): Promise<void>;
  unmount(): Promise<void>;
}

/** `until` gave up: `what` never happened within its budget of virtual time (a run's outcome, not a harness fault). */
export class Stalled extends Error {
  constructor(
    readonly what: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The safety net for `until`: a scenario that stalls fails with a message, never hangs. Both
 * limits count virtual time and timer firings, not wall-clock time, so load cannot change them.
 */
const UNTIL_BUDGET_MS = 600_000;
const UNTIL_MAX_FIRINGS = 100_000;

export interface LaunchOptions {
  /**
   * App code that runs before <ClerkProvider> mounts, given the dist's getClerkInstance (an API
   * client module calling getClerkInstance() at import time, as in Fix H's seed app).
   */
  beforeProvider?: (getClerkInstance: (options?: Record<string, unknown>) => unknown, fapi: DeviceFapi) => void;
}

/**
 * The scenario's `js.navigator` (scenario.ts; React Native's own by default), installed for the
 * world's lifetime; whatever the process had (Node ≥ 21 defines a `navigator` of its own) comes
 * back at the world's close, so no global outlives its world.
 */
const navigatorWorlds = new WeakSet<object>();
function installNavigator(device: Device): void {
  // Once per world: a relaunch on the same device keeps it, and the close restores the process's.
  if (navigatorWorlds.has(device.world)) return;
  navigatorWorlds.add(device.world);
  const kind = device.scenario.js.navigator ?? 'react-native';
  const before = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  if (kind === 'absent') {
    if (!before) return;
    delete (globalThis as { navigator?: unknown }).navigator;
  } else {
    const fapi = device.fapi;
    const nav: Record<string, unknown> = { product: 'ReactNative' };
    if (kind === 'tracks-network') Object.defineProperty(nav, 'onLine', { enumerable: true, get: () => !fapi.offline });
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
  }
  device.world.onClose(() => {
    if (before) Object.defineProperty(globalThis, 'navigator', before);
    else delete (globalThis as { navigator?: unknown }).navigator;
  });
}

export async function launch(device: Device, dist: ExpoDist, options: LaunchOptions = {}): Promise<RunningApp> {
  const g = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean; window?: unknown };
  g.IS_REACT_ACT_ENVIRONMENT = true;
  // React Native's InitializeCore sets `global.window = global` (with no window.location);
  // clerk-js relies on it, e.g. signOut() reads window.location.
  g.window ??= globalThis;
  installNavigator(device);
  installIntercept(dist.root, device.scenario.platform);
  setStandIns({
    'react-native': { ...reactNativeStub(device.scenario.platform, device.native), AppState: device.appState.module() },
    // 3.4+ (Android spec) and 3.5+ reach the native module through Expo Modules.
    expo: expoModulesStub(device.native),
    'expo-modules-core': expoModulesStub(device.native),
    'expo-secure-store': device.store.module(),
    'expo-web-browser': { maybeCompleteAuthSession: () => ({ type: 'failed' }) },
    'expo-constants': { default: { expoConfig: {} } },
    // Node has URL/URLSearchParams; the polyfill would replace the test process's globals.
    'react-native-url-polyfill/auto': {},
    'react-native-url-polyfill/auto.js': {},
  });
  purgeAppModules([dist.deps.dir]);
  resetAppGlobals();
  const appRequire = createRequire(path.join(dist.root, 'package.json'));
  // React and the renderer come from the version's own dependency set: one React for both.
  const depsRequire = createRequire(path.join(dist.deps.dir, 'package.json'));
  const React = depsRequire('react') as ReactLike;
  const TestRenderer = depsRequire('react-test-renderer') as TestRendererLike;
  const { ClerkProvider } = appRequire('./dist/provider/ClerkProvider.js') as { ClerkProvider: unknown };
  const clerkReact = appRequire('@clerk/react') as { useAuth(): AuthSnapshot; useClerk(): ClerkLike };
  if (appRequire.resolve('react') !== depsRequire.resolve('react'))
    throw new Error('the app bundle and the renderer resolve different copies of react');

  const history: AuthSnapshot[] = [];
  let clerkRef: ClerkLike | undefined;
  function Probe(): null {
    const a = clerkReact.useAuth();
    clerkRef = clerkReact.useClerk();
    const last = history[history.length - 1];
    if (!last || last.isLoaded !== a.isLoaded || last.isSignedIn !== a.isSignedIn || last.sessionId !== a.sessionId) {
      const snapshot = { isLoaded: a.isLoaded, isSignedIn: a.isSignedIn, sessionId: a.sessionId };
      history.push(snapshot);
      device.timeline.push({ kind: 'auth', auth: snapshot, ...stamp() });
    }
    return null;
  }
  // As an app does: <ClerkProvider tokenCache={tokenCache}> with '@clerk/expo/token-cache' (expo-secure-store).
  const { tokenCache } = appRequire('./dist/token-cache/index.js') as { tokenCache: unknown };
  const props = { publishableKey: device.fapi.publishableKey, proxyUrl: device.fapi.proxyUrl, tokenCache };
  const beforeProvider =
    options.beforeProvider ??
    (device.scenario.js.getClerkInstanceBeforeProvider
      ? (getClerkInstance: (o?: Record<string, unknown>) => unknown, f: DeviceFapi) =>
          void getClerkInstance(
            device.scenario.js.getClerkInstanceBeforeProvider === 'publishable-key-only'
              ? { publishableKey: f.publishableKey }
              : { publishableKey: f.publishableKey, proxyUrl: f.proxyUrl },
          )
      : undefined);
  if (beforeProvider) {
    const early = appRequire('./dist/provider/singleton/index.js') as { getClerkInstance(options?: Record<string, unknown>): unknown };
    beforeProvider((o) => early.getClerkInstance(o), device.fapi);
  }
  const world = device.world;
  let root: { unmount(): void } | undefined;
  const unmount = async () => {
    const r = root;
    root = undefined;
    if (r) await React.act(async () => r.unmount());
  };
  world.onClose(unmount);
  await React.act(async () => {
    root = TestRenderer.create(React.createElement(ClerkProvider, props, React.createElement(Probe, null)));
  });

  // Count the provider's own setActive() calls on the clerk-js instance (the native bootstrap
  // ends with one), so a scenario can wait for them to settle before acting.
  const { getClerkInstance } = appRequire('./dist/provider/singleton/index.js') as { getClerkInstance(): Record<string, unknown> };
  const instance = getClerkInstance();
  const setActiveCalls = countCalls(instance, 'setActive');
  const reloads = countCalls(instance, '__internal_reloadInitialResources');

  const inAct = (fn: () => Promise<void>) => React.act(fn);
  const waitFor = async (cond: () => boolean, budgetMs = UNTIL_BUDGET_MS) => {
    const limit = world.clock.now() + budgetMs;
    await world.idle(inAct);
    for (let firings = 0; !cond(); firings++) {
      if (firings > UNTIL_MAX_FIRINGS || !(await world.fireNext(limit, inAct))) return false;
      await world.idle(inAct);
    }
    return true;
  };
  const until = async (cond: () => boolean, what: string, budgetMs = UNTIL_BUDGET_MS) => {
    if (!(await waitFor(cond, budgetMs)))
      throw new Stalled(
        what,
        `stalled: ${what} never happened within ${budgetMs / 1000} s of virtual time (auth history ${JSON.stringify(history)}; native calls ${device.native.calls.map((c) => c.method).join(',')}; pending timers ${world.clock.pending().length})`,
      );
  };
  return {
    history,
    setActiveCalls,
    reloads,
    get auth() {
      return history[history.length - 1] ?? { isLoaded: false, isSignedIn: undefined, sessionId: undefined };
    },
    clerk: () => {
      if (!clerkRef) throw new Error('the app never rendered');
      return clerkRef;
    },
    until,
    waitFor,
    async act(fn) {
      const state: { done: boolean; failed: boolean; error?: unknown } = { done: false, failed: false };
      const settled = (failed: boolean, error?: unknown) => Object.assign(state, { done: true, failed, error });
      await React.act(async () => {
        // Started, not awaited here: the action may need time to pass (a retry backoff), which `until` moves.
        new Promise((resolve) => resolve(fn())).then(
          () => settled(false),
          (error: unknown) => settled(true, error),
        );
      });
      await until(() => state.done, 'the action finishing');
      if (state.failed) throw state.error;
    },
    unmount,
  };
}

/** Wraps an async method of the clerk-js instance to count calls started and settled (absent method: zero counts). */
function countCalls(instance: Record<string, unknown>, method: string): { started: number; settled: number } {
  const counts = { started: 0, settled: 0 };
  const original = instance[method];
  if (typeof original !== 'function') return counts;
  instance[method] = async (...a: unknown[]) => {
    counts.started++;
    try {
      return await (original as (...x: unknown[]) => Promise<unknown>).apply(instance, a);
    } finally {
      counts.settled++;
    }
  };
  return counts;
}
