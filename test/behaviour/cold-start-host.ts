import { evaluateCommonJs } from '../harness/commonjs-file.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { fix } from '../../scripts/fixes/load-retries-unanswered-requests/fix.ts';
import { TARGET } from '../../scripts/fixes/load-retries-unanswered-requests/meta.ts';
import { bundleSource, CLERK_JS, revertRequested } from '../harness/clerk-bundle.ts';
import { CLERK_CLIENT_JWT_KEY, loadOptions, MemoryTokenCache, type ClerkConstructor, type ClerkLike } from '../harness/expo-host.ts';
import type { FakeFapi } from '../harness/fapi/server.ts';
import { HeadlessRuntime, hostRouter } from '../harness/headless-runtime.ts';
import type { VirtualClock } from '../harness/virtual-clock.ts';

/**
 * One cold start of an Expo app, headless, on virtual time: the REAL published clerk-js native
 * bundle (pristine) in a HeadlessRuntime, built and hooked by the REAL published
 * `@clerk/expo` `createClerkInstance.js` — pristine, or with Fix J applied by its codemod (what
 * `npm run patches` ships; `HARNESS_REVERT_PATCH=1` makes it pristine) — and loaded once with the
 * options ClerkProvider passes, as @clerk/react's IsomorphicClerk does (one `clerk.load()`, no
 * retry of its own). React is not rendered: `isLoaded` is "that load() resolved" and
 * `isSignedIn` is `clerk.session` (what useAuth() reads once loaded).
 *
 * The factory's other imports are stand-ins (the token cache passed in, `react-native`'s
 * Platform and AppState, the constants); the resource cache is not configured.
 */
export type AppStateName = 'active' | 'background' | 'inactive';

/** React Native's AppState, as the factory sees it: `currentState`, `addEventListener('change')`. */
export class FakeAppState {
  #listeners = new Set<(s: AppStateName) => void>();
  constructor(public currentState: AppStateName = 'active') {}
  addEventListener(type: string, fn: (s: AppStateName) => void) {
    if (type !== 'change') return { remove() {} };
    this.#listeners.add(fn);
    return { remove: () => void this.#listeners.delete(fn) };
  }
  get listenerCount(): number {
    return this.#listeners.size;
  }
  set(state: AppStateName): void {
    this.currentState = state;
    for (const fn of [...this.#listeners]) fn(state);
  }
}

export interface ColdStartOptions {
  fapi: FakeFapi;
  clock: VirtualClock;
  expoVersion: string;
  clerkJsVersion: string;
  variant: 'pristine' | 'patched';
  clientJwt?: string;
  platform?: 'ios' | 'android';
  appState?: AppStateName;
}

export interface ColdStart {
  clerk: ClerkLike & { loaded?: boolean };
  runtime: HeadlessRuntime;
  tokenCache: MemoryTokenCache;
  appState: FakeAppState;
  /** clerk.load() as IsomorphicClerk calls it (once); its outcome is recorded below. */
  load: Promise<void>;
  /** Whether load() has settled, how, and when (virtual ms since launch). */
  outcome(): { settled: false } | { settled: true; ok: boolean; error?: unknown; afterMs: number };
  isSignedIn(): boolean;
  /** The client JWT the token cache holds now. */
  storedJwt(): Promise<string | null>;
  variant: 'pristine' | 'patched';
}

/** A stand-in for imports the load path does not exercise: callable, any property. */
function anything(): unknown {
  const f = function () {} as unknown as object;
  return new Proxy(f, {
    get: (_t, p) => (p === 'then' || p === Symbol.toPrimitive ? undefined : anything()),
    apply: (_t, _this, args) => (args.length > 0 ? args[0] : anything()),
  });
}

export async function factorySource(expoVersion: string, variant: 'pristine' | 'patched'): Promise<string> {
  const pkg = await fetchPackage('@clerk/expo', expoVersion);
  const pristine = pkg.read(TARGET);
  if (pristine === undefined) throw new Error(`@clerk/expo@${expoVersion} has no ${TARGET}`);
  if (variant === 'pristine' || revertRequested()) return pristine;
  const r = fix.apply(pristine, TARGET);
  if (!r.changed) throw new Error(`Fix J did not change @clerk/expo@${expoVersion} ${TARGET}: ${r.status} ${r.reason}`);
  return r.text;
}

export async function coldStart(o: ColdStartOptions): Promise<ColdStart> {
  const { fapi, clock } = o;
  const runtime = new HeadlessRuntime({
    clock,
    route: hostRouter({ [fapi.frontendApiHost]: fapi.origin, [new URL(fapi.origin).host]: fapi.origin }),
    held: () => fapi.held,
  });
  const bundle = await bundleSource(CLERK_JS, o.clerkJsVersion, 'dist/clerk.native.js', 'pristine');
  const exports = runtime.evaluate({
    filename: `${CLERK_JS}@${o.clerkJsVersion}:dist/clerk.native.js`,
    text: bundle.text,
    read: bundle.read,
  });
  const Clerk = (exports.Clerk ?? (exports.default as Record<string, unknown> | undefined)?.Clerk ?? exports.default) as ClerkConstructor;

  const appState = new FakeAppState(o.appState ?? 'active');
  const reactNative = { Platform: { OS: o.platform ?? 'ios' }, AppState: appState };
  const pkgJson = { name: '@clerk/expo', version: o.expoVersion };
  const fakeRequire = (id: string): unknown => {
    if (id === 'react-native') return reactNative;
    if (/\/constants(\.js)?$/.test(id)) return { CLERK_CLIENT_JWT_KEY };
    if (/MemoryTokenCache(\.js)?$/.test(id)) return { MemoryTokenCache: new MemoryTokenCache() };
    if (/\/package\.js(on)?$/.test(id)) return { ...pkgJson, default: pkgJson };
    if (id === '@clerk/shared/error') return { isClerkRuntimeError: () => false, is4xxError: () => false };
    if (/\/utils(\/runtime|\/index)?(\.js)?$/.test(id)) return { isNative: () => true, assertValidProxyUrl: () => undefined };
    return anything();
  };
  const text = await factorySource(o.expoVersion, o.variant);
  const g = runtime.scope;
  const exported = evaluateCommonJs(text, {
    require: fakeRequire,
    setTimeout: g.setTimeout,
    clearTimeout: g.clearTimeout,
    globals: { console: g.console, __DEV__: false },
  });
  const create = exported.createClerkInstance as (c: ClerkConstructor) => (opts: object) => ColdStart['clerk'];
  const tokenCache = new MemoryTokenCache(o.clientJwt ? { [CLERK_CLIENT_JWT_KEY]: o.clientJwt } : {});
  // Plain functions, as @clerk/expo's SecureStore token cache is: before 3.3.1 the factory calls them unbound.
  const appCache = {
    getToken: (k: string) => tokenCache.getToken(k),
    saveToken: (k: string, v: string) => tokenCache.saveToken(k, v),
    clearToken: (k: string) => tokenCache.clearToken(k),
  };
  const clerk = create(Clerk)({ publishableKey: fapi.publishableKey, proxyUrl: fapi.proxyUrl, tokenCache: appCache });

  let result: ReturnType<ColdStart['outcome']> = { settled: false };
  const launchedAt = clock.now();
  const load = (clerk.load as (opts: object) => Promise<void>)(
    loadOptions({ publishableKey: fapi.publishableKey, proxyUrl: fapi.proxyUrl, headless: true }),
  );
  load.then(
    () => (result = { settled: true, ok: true, afterMs: clock.now() - launchedAt }),
    (error: unknown) => (result = { settled: true, ok: false, error, afterMs: clock.now() - launchedAt }),
  );
  return {
    clerk,
    runtime,
    tokenCache,
    appState,
    load,
    outcome: () => result,
    isSignedIn: () => !!clerk.session,
    storedJwt: async () => (await tokenCache.getToken(CLERK_CLIENT_JWT_KEY)) ?? null,
    variant: o.variant,
  };
}
