import { bundleSource, CLERK_JS, type BundleSource, type Variant } from './clerk-bundle.ts';
import {
  CLERK_CLIENT_JWT_KEY,
  createExpoClerk,
  loadOptions,
  MemoryTokenCache,
  type ClerkConstructor,
  type ClerkLike,
  type SessionLike,
} from './expo-host.ts';
import type { FakeFapi } from './fapi/server.ts';
import { HeadlessRuntime, hostRouter } from './headless-runtime.ts';
import { VirtualClock } from './virtual-clock.ts';

/**
 * One app launch: a fresh clerk-js module instance (pristine or patched bundle of a published
 * version) in a HeadlessRuntime on a virtual clock, wired like @clerk/expo, talking to a
 * FakeFapi. `launch()` evaluates and constructs; `load()` runs `clerk.load()` and settles.
 */
export interface LaunchOptions {
  fapi: FakeFapi;
  /** Share it with the FakeFapi (`FakeFapi.start({ now: () => clock.now() })`). */
  clock: VirtualClock;
  version: string;
  /** Default: dist/clerk.native.js (what Metro resolves through the react-native condition). */
  entry?: string;
  variant: Variant;
  /** Default: an empty MemoryTokenCache (first launch). */
  tokenCache?: MemoryTokenCache;
  /** Default true: load as @clerk/expo does on a device. */
  headless?: boolean;
  /** Extra/overriding scope globals (HeadlessRuntimeOptions.globals), e.g. { navigator: { product: 'ReactNative', onLine: true } }. */
  globals?: Record<string, unknown>;
  /** Default true: pass the fake's proxyUrl (clerk-js < 6.3.1 ignores it without `document`; the host router covers that). */
  useProxyUrl?: boolean;
}

export interface HeadlessClerk {
  readonly clerk: ClerkLike;
  readonly runtime: HeadlessRuntime;
  readonly clock: VirtualClock;
  readonly fapi: FakeFapi;
  readonly tokenCache: MemoryTokenCache;
  readonly source: BundleSource;
  /** `clerk.load(loadOptions)` then settle. */
  load(): Promise<void>;
  /**
   * The app asks for a session token in the foreground (`clerk.session.getToken()`), settled;
   * null when signed out. The app is awake meanwhile: if clerk-js waits on a timer (its retry
   * backoff), virtual time advances for up to `awakeUpTo` ms (default 60 s).
   */
  getToken(opts?: Record<string, unknown>, awakeUpTo?: number): Promise<string | null>;
  /** `clerk.session`, if any. */
  session(): SessionLike | null;
  /** Signed in = clerk.session is set (what useAuth().isSignedIn reads). */
  isSignedIn(): boolean;
}

export async function launchHeadlessClerk(o: LaunchOptions): Promise<HeadlessClerk> {
  const entry = o.entry ?? 'dist/clerk.native.js';
  const source = await bundleSource(CLERK_JS, o.version, entry, o.variant);
  const { fapi, clock } = o;
  const runtime = new HeadlessRuntime({
    clock,
    route: hostRouter({ [fapi.frontendApiHost]: fapi.origin, [new URL(fapi.origin).host]: fapi.origin }),
    globals: o.globals,
  });
  const exports = runtime.evaluate({ filename: `${CLERK_JS}@${o.version}:${entry}`, text: source.text, read: source.read });
  const Clerk = (exports.Clerk ?? (exports.default as Record<string, unknown> | undefined)?.Clerk ?? exports.default) as
    ClerkConstructor | undefined;
  if (typeof Clerk !== 'function')
    throw new Error(`${CLERK_JS}@${o.version} ${entry}: no Clerk export (exports: ${Object.keys(exports).join(', ')})`);
  const tokenCache = o.tokenCache ?? new MemoryTokenCache();
  const useProxy = o.useProxyUrl ?? true;
  const clerk = createExpoClerk(Clerk, { publishableKey: fapi.publishableKey, proxyUrl: useProxy ? fapi.proxyUrl : undefined, tokenCache });
  const session = (): SessionLike | null => clerk.session ?? null;
  return {
    clerk,
    runtime,
    clock,
    fapi,
    tokenCache,
    source,
    async load() {
      await runtime.run(
        clerk.load(
          loadOptions({
            publishableKey: fapi.publishableKey,
            proxyUrl: useProxy ? fapi.proxyUrl : undefined,
            headless: o.headless ?? true,
          }),
        ),
        'clerk.load()',
      );
    },
    async getToken(opts, awakeUpTo = 60_000) {
      const s = session();
      if (!s) return null;
      return runtime.run(s.getToken(opts), 'session.getToken()', { awakeUpTo });
    },
    session,
    isSignedIn: () => !!clerk.session,
  };
}

/** A token cache holding a signed-in device's client JWT. */
export const signedInTokenCache = (clientJwt: string): MemoryTokenCache => new MemoryTokenCache({ [CLERK_CLIENT_JWT_KEY]: clientJwt });
