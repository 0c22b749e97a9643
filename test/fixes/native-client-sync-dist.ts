import vm from 'node:vm';
import type { PackageSnapshot } from '../../scripts/core/fix.ts';

/**
 * The real published `dist/provider/nativeClientSync.js` of one @clerk/expo version (pristine or
 * edited by our codemods), evaluated in its own context with stand-ins for what it imports, at
 * the level Clerk's own unit tests for that file work: the native module (`getClientToken`,
 * `syncClientStateFromJs`), the app's token cache, the native client event hook, and a Clerk
 * instance whose `client.fetch()`, `updateClient()`, `setActive()`, `handleUnauthenticated()` and
 * `__internal_reloadInitialResources()` each test decides. Its sibling modules that carry logic
 * (`constants.js`, 4.2.4+'s `nativeClientSyncCoordinator.js`) are the package's own files.
 *
 * React is reduced to what these hooks call: every effect runs at once (in declaration order,
 * as a first render's effects do), refs are objects, memos compute once. Time is virtual:
 * `setTimeout` waits until `advance(ms)`, `Date.now()` is the virtual clock.
 */
export interface Session {
  id: string;
}
export interface TestClient {
  id?: string;
  signedInSessions: Session[];
  lastActiveSessionId: string | null;
  fetch?: (options?: unknown) => Promise<TestClient | null>;
  [k: string]: unknown;
}
export interface NativeClientEvent {
  issuedAt: number;
  changed: { client: boolean; deviceToken: boolean };
  deviceToken: string | null;
  sourceId?: string;
}

const KEY = '__clerk_client_jwt';

export interface SyncWorld {
  key: string;
  clerk: {
    loaded: boolean;
    status: string;
    client: TestClient | undefined;
    session: Session | null | undefined;
    __internal_setActiveInProgress: boolean;
    handleUnauthenticated: (options?: unknown) => Promise<unknown>;
    updateClient: (client: TestClient, options?: unknown) => void;
    setActive: (params: { session: Session | string | null }) => Promise<void>;
    __internal_reloadInitialResources: () => Promise<void>;
    addListener: (listener: () => void) => () => void;
    on: () => void;
    off: () => void;
  };
  /** What the native module's getClientToken() answers (null: native holds no device token). */
  native: { token: string | null; syncs: unknown[][]; present: boolean };
  /** The app's token cache: its store and every call. `read` decides what getToken answers. */
  cache: {
    store: Map<string, string>;
    calls: string[];
    read?: () => Promise<string | null | undefined>;
  };
  /** Calls to the Clerk instance's own methods (the originals the provider wraps). */
  calls: {
    originalHandleUnauthenticated: number;
    originalUpdateClient: { client: TestClient; options: unknown }[];
    setActive: (Session | string | null)[];
    reloads: number;
  };
  /** The provider's pieces, mounted on this world. */
  mountNativeClientSync(): void;
  /** useNativeClientEventSync with one native client event (a new render with that event). */
  nativeEvent(event: NativeClientEvent): void;
  /** Runs every ready promise and immediate; then fires timers due within `ms` of virtual time, settling in between. */
  settle(ms?: number): Promise<void>;
  now(): number;
  consoleErrors: unknown[][];
}

interface Timer {
  at: number;
  fn: () => void;
  id: number;
}

export function syncWorld(pkg: PackageSnapshot, text: string, opts: { nativeModule?: boolean } = {}): SyncWorld {
  let now = 1_000_000;
  const timers: Timer[] = [];
  let nextTimer = 1;
  const setTimeout_ = (fn: () => void, ms = 0) => {
    const t = { at: now + Math.max(0, ms), fn, id: nextTimer++ };
    timers.push(t);
    return t.id;
  };
  const clearTimeout_ = (id: number | undefined) => {
    const i = timers.findIndex((t) => t.id === id);
    if (i !== -1) timers.splice(i, 1);
  };
  class VirtualDate extends Date {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now);
      else super(...(args as [number]));
    }
    static now() {
      return now;
    }
  }
  const consoleErrors: unknown[][] = [];
  let event: NativeClientEvent | null = null;

  const world: SyncWorld = {
    key: KEY,
    native: { token: null, syncs: [], present: opts.nativeModule !== false },
    cache: { store: new Map(), calls: [] },
    calls: { originalHandleUnauthenticated: 0, originalUpdateClient: [], setActive: [], reloads: 0 },
    consoleErrors,
    now: () => now,
  } as unknown as SyncWorld;

  const clerk: SyncWorld['clerk'] = {
    loaded: true,
    status: 'ready',
    client: undefined,
    session: undefined,
    __internal_setActiveInProgress: false,
    handleUnauthenticated: async () => {
      world.calls.originalHandleUnauthenticated++;
    },
    updateClient(client, options) {
      world.calls.originalUpdateClient.push({ client, options });
      clerk.client = client;
      const current = clerk.session;
      clerk.session = current ? (client.signedInSessions.find((s) => s.id === current.id) ?? null) : current;
    },
    async setActive({ session }) {
      world.calls.setActive.push(session);
      clerk.session =
        typeof session === 'string' ? (clerk.client?.signedInSessions.find((s) => s.id === session) ?? null) : (session as Session | null);
    },
    async __internal_reloadInitialResources() {
      world.calls.reloads++;
    },
    addListener: () => () => {},
    on() {},
    off() {},
  };
  world.clerk = clerk;

  const appCache = {
    getToken: async (k: string) => {
      world.cache.calls.push(`getToken ${k}`);
      if (k === KEY && world.cache.read) return world.cache.read();
      return world.cache.store.get(k) ?? null;
    },
    saveToken: async (k: string, v: string) => {
      world.cache.calls.push(`saveToken ${k} ${v}`);
      world.cache.store.set(k, v);
    },
    clearToken: async (k: string) => {
      world.cache.calls.push(`clearToken ${k}`);
      world.cache.store.delete(k);
    },
  };
  const native = {
    configure: async () => {},
    getClientToken: async () => world.native.token,
    syncClientStateFromJs: async (...args: unknown[]) => void world.native.syncs.push(args),
    addListener: () => ({ remove() {} }),
    removeListeners() {},
  };

  const fakeReact = {
    useEffect: (fn: () => unknown) => void fn(),
    useLayoutEffect: (fn: () => unknown) => void fn(),
    useRef: <T>(v: T) => ({ current: v }),
    useMemo: <T>(f: () => T) => f(),
    useCallback: <T>(f: T) => f,
    useState: <T>(v: T) => [v, () => {}],
  };
  const loaded = new Map<string, unknown>();
  const evaluate = (file: string, source: string): Record<string, unknown> => {
    const module = { exports: {} as Record<string, unknown> };
    const dir = file.slice(0, file.lastIndexOf('/'));
    const req = (id: string): unknown => {
      if (id === 'react') return fakeReact;
      if (id === 'react-native') return { Platform: { OS: 'ios' } };
      const rel = id.startsWith('.') ? normalize(`${dir}/${id}`) : id;
      if (rel === 'dist/utils/native-module') return { ClerkExpoModule: world.native.present ? native : null };
      if (rel === 'dist/hooks/useNativeClientEvents') return { useNativeClientEvents: () => ({ nativeClientEvent: event }) };
      if (rel === 'dist/cache') return { MemoryTokenCache: appCache };
      // Sibling modules with logic of their own: the package's real files.
      const own = `${rel}.js`;
      if (loaded.has(own)) return loaded.get(own);
      const body = pkg.read(own);
      if (body === undefined) throw new Error(`${file} requires ${id}, which neither the package (${own}) nor a stand-in provides`);
      const out = evaluate(own, body);
      loaded.set(own, out);
      return out;
    };
    vm.runInNewContext(
      source,
      {
        require: req,
        module,
        exports: module.exports,
        Promise,
        Date: VirtualDate,
        Error,
        Math,
        Boolean,
        Symbol,
        Object,
        Set,
        Map,
        Array,
        JSON,
        queueMicrotask,
        setTimeout: setTimeout_,
        clearTimeout: clearTimeout_,
        console: { error: (...a: unknown[]) => void consoleErrors.push(a), warn() {}, log() {} },
      },
      { filename: `${pkg.version}/${file}` },
    );
    return module.exports;
  };
  const mod = evaluate('dist/provider/nativeClientSync.js', text) as Record<string, (...a: unknown[]) => unknown>;

  const refs = {
    suppressTokenCacheNotificationsRef: { current: 0 },
    suppressJsClientChangedRef: { current: 0 },
    nativeRefreshFromJsControllerRef: { current: null },
    tokenCacheListenersRef: { current: new Set() },
    isMountedRef: { current: true },
  };
  const tokenCache = mod.useSyncableTokenCache!({
    suppressTokenCacheNotificationsRef: refs.suppressTokenCacheNotificationsRef,
    tokenCache: appCache,
    tokenCacheListenersRef: refs.tokenCacheListenersRef,
  });
  const shared = {
    clerkInstance: clerk,
    nativeRefreshFromJsControllerRef: refs.nativeRefreshFromJsControllerRef,
    suppressJsClientChangedRef: refs.suppressJsClientChangedRef,
    suppressTokenCacheNotificationsRef: refs.suppressTokenCacheNotificationsRef,
    tokenCache,
  };
  world.mountNativeClientSync = () => {
    mod.NativeClientSync!({ enabled: true, ...shared, tokenCacheListenersRef: refs.tokenCacheListenersRef });
  };
  world.nativeEvent = (e) => {
    event = e;
    mod.useNativeClientEventSync!({ enabled: true, isMountedRef: refs.isMountedRef, ...shared });
  };
  const drain = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  world.settle = async (ms = 0) => {
    await drain();
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = timers[0];
      if (!t || t.at > until) break;
      timers.shift();
      now = Math.max(now, t.at);
      t.fn();
      await drain();
    }
    now = Math.max(now, until);
  };
  return world;
}

function normalize(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '.' && seg !== '') out.push(seg);
  }
  return out.join('/');
}

/**
 * A 401 whose client refresh fails while native holds a device token: JS is signed in to
 * `session`, reloading the initial resources finds the user `reloadFinds`, and with `reenter` the
 * refresh first calls handleUnauthenticated again (a second 401 during the recovery). Mounts the
 * sync, runs the handler once and lets everything settle.
 */
export async function unauthenticatedWithNativeToken(
  w: SyncWorld,
  session: Session,
  reloadFinds: 'signed-in' | 'signed-out',
  reenter = false,
): Promise<void> {
  w.native.token = 'jwt_native';
  w.clerk.client = {
    signedInSessions: [session],
    lastActiveSessionId: session.id,
    fetch: async () => {
      if (reenter) await w.clerk.handleUnauthenticated();
      throw new Error('401 on the stale session');
    },
  };
  w.clerk.session = session;
  w.clerk.__internal_reloadInitialResources = async () => {
    w.calls.reloads++;
    if (reloadFinds === 'signed-out') {
      w.clerk.client = { signedInSessions: [], lastActiveSessionId: null };
      w.clerk.session = null;
    }
  };
  w.mountNativeClientSync();
  await w.clerk.handleUnauthenticated();
  await w.settle();
}
