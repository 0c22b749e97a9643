import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fix } from '../../scripts/fixes/native-sync-keeps-signed-in-client/fix.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import type { PackageSnapshot } from '../../scripts/core/fix.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const dir = path.resolve(__dirname, '../../fixtures/native-sync-keeps-signed-in-client');
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;
const PROVIDER = 'dist/provider/ClerkProvider.js';
const SYNC_MODULE = 'dist/provider/nativeClientSync.js';
const KEY = '__clerk_client_jwt';

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration (refreshJsClientFromNativeState|syncNativeClientToJs)$/ });

// ---------------------------------------------------------------------------------------------
// A cold start on the real published provider code, against fakes: a Frontend API that knows
// three client tokens, the app's token cache, the native module, and a Clerk instance whose
// client fetch/reload read the token cache as the real request hook does. React is reduced to
// what these modules call: effects run at once, refs are objects.
// ---------------------------------------------------------------------------------------------

interface SessionState {
  id: string;
}
interface ClientState {
  id: string;
  sessions: SessionState[];
}

/** The Frontend API's answer to GET /v1/client, by the client token in `authorization`. */
function fapi(server: Record<string, ClientState>, trace: string[]) {
  let fresh = 0;
  return (token: string | null): ClientState => {
    const known = token ? server[token] : undefined;
    trace.push(
      `GET /v1/client authorization=${token ?? ''} -> ${known ? `${known.id} (${known.sessions.length} session(s))` : 'new client'}`,
    );
    return known ?? { id: `client_new_${++fresh}`, sessions: [] };
  };
}

class FakeClient {
  id = '';
  signedInSessions: SessionState[] = [];
  lastActiveSessionId: string | null = null;
  constructor(
    state: ClientState,
    private readonly load: () => Promise<ClientState>,
  ) {
    this.fromJSON(state);
  }
  fromJSON(s: ClientState) {
    this.id = s.id;
    this.signedInSessions = s.sessions.map((x) => ({ ...x }));
    this.lastActiveSessionId = s.sessions[0]?.id ?? null;
    return this;
  }
  __internal_toSnapshot(): ClientState {
    return { id: this.id, sessions: this.signedInSessions.map((x) => ({ ...x })) };
  }
  /** Like clerk-js Client.fetch: refetches into this same object. */
  async fetch() {
    return this.fromJSON(await this.load());
  }
}

function makeClerk(initial: ClientState, load: () => Promise<ClientState>) {
  const clerk = {
    loaded: true,
    status: 'ready',
    client: new FakeClient(initial, load),
    session: null as SessionState | null,
    updateClient(c: FakeClient) {
      clerk.client = c;
      clerk.session = c.signedInSessions.find((s) => s.id === clerk.session?.id) ?? null;
    },
    async setActive({ session }: { session: SessionState | string }) {
      const id = typeof session === 'string' ? session : session.id;
      clerk.session = clerk.client.signedInSessions.find((s) => s.id === id) ?? null;
    },
    async __internal_reloadInitialResources() {
      clerk.updateClient(new FakeClient(await load(), load));
    },
    addListener: () => () => {},
    on() {},
    off() {},
    addOnLoaded: (cb: () => void) => cb(),
    handleUnauthenticated: async () => {},
  };
  clerk.session = clerk.client.signedInSessions[0] ?? null;
  return clerk;
}

const fakeReact = {
  useEffect: (fn: () => unknown) => void fn(),
  useLayoutEffect: (fn: () => unknown) => void fn(),
  useRef: <T>(v: T) => ({ current: v }),
  useMemo: <T>(f: () => T) => f(),
  useCallback: <T>(f: T) => f,
  useState: <T>(v: T) => [v, () => {}],
};

interface Device {
  /** The JS token cache (SecureStore) at launch. */
  jsToken: string | null;
  /** What the native module's getClientToken() returns. */
  nativeToken: string | null;
  server: Record<string, ClientState>;
}

/** Mounts the provider's native sync on a cold start and returns the end state and the request trace. */
async function coldStart(version: string, file: string, text: string, device: Device) {
  const trace: string[] = [];
  const store = new Map<string, string>(device.jsToken ? [[KEY, device.jsToken]] : []);
  const appCache = {
    getToken: async (k: string) => store.get(k) ?? null,
    saveToken: async (k: string, v: string) => void store.set(k, v),
    clearToken: async (k: string) => void store.delete(k),
  };
  const answer = fapi(device.server, trace);
  const load = async () => answer(store.get(KEY) ?? null);
  // The JS client as clerk-js loaded it from the JS token before the provider's sync ran.
  const clerk = makeClerk(
    device.jsToken ? (device.server[device.jsToken] ?? { id: 'client_boot', sessions: [] }) : { id: 'client_boot', sessions: [] },
    load,
  );
  const native = {
    configure: async () => {},
    getClientToken: async () => device.nativeToken,
    syncClientStateFromJs: async () => {},
    refreshClient: async () => {},
    addListener: () => ({ remove() {} }),
    removeListeners() {},
  };
  const nativeModule = { ...native, default: native, __esModule: true };
  const modules: Record<string, unknown> = {
    react: fakeReact,
    'react-native': { Platform: { OS: 'ios' } },
    'react/jsx-runtime': { jsx: () => null, jsxs: () => null },
    '@clerk/react/internal': { InternalClerkProvider: () => null },
  };
  const req = (id: string): unknown => {
    if (id in modules) return modules[id];
    if (/_rolldown\/runtime/.test(id)) return { __toESM: (m: unknown) => m };
    if (/constants(\.js)?$/.test(id)) return { CLERK_CLIENT_JWT_KEY: KEY };
    if (/singleton\/index(\.js)?$/.test(id)) return { singleton_exports: { getClerkInstance: () => clerk } };
    if (/singleton\/singleton(\.js)?$/.test(id)) return { getClerkInstance: () => clerk };
    if (/utils\/runtime(\.js)?$/.test(id)) return { isNative: () => true, isWeb: () => false };
    if (/useNativeClientEvents(\.js)?$/.test(id)) return { useNativeClientEvents: () => ({ nativeClientEvent: null }) };
    if (/token-cache\/index(\.js)?$/.test(id)) return { tokenCache: appCache };
    if (/specs\/NativeClerkModule/.test(id)) return nativeModule;
    if (/utils\/native-module/.test(id)) return { ClerkExpoModule: native, isNativeSupported: true };
    if (/\/cache$/.test(id)) return { MemoryTokenCache: appCache };
    return {};
  };
  const module = { exports: {} as Record<string, (...a: unknown[]) => unknown> };
  vm.runInNewContext(
    text,
    {
      require: req,
      module,
      exports: module.exports,
      Promise,
      Date,
      Error,
      Math,
      Boolean,
      Symbol,
      Object,
      Set,
      Map,
      setTimeout,
      clearTimeout,
      console: { error() {}, warn() {}, log() {} },
    },
    { filename: `${version}/${file}` },
  );
  const refs = {
    suppressTokenCacheNotificationsRef: { current: 0 },
    suppressJsClientChangedRef: { current: 0 },
    nativeRefreshFromJsControllerRef: { current: null },
  };
  if (file === PROVIDER) {
    module.exports.ClerkProvider!({ publishableKey: 'pk_test_x', tokenCache: appCache, children: null });
  } else {
    const tokenCache = module.exports.useSyncableTokenCache!({
      suppressTokenCacheNotificationsRef: refs.suppressTokenCacheNotificationsRef,
      tokenCache: appCache,
      tokenCacheListenersRef: { current: new Set() },
    });
    module.exports.useNativeClientBootstrap!({ publishableKey: 'pk_test_x', tokenCache, clerkInstance: clerk, ...refs });
  }
  // Every fake answers through promises only: one macrotask turn drains the whole sync.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return { signedIn: clerk.session?.id ?? null, client: clerk.client.id, jsToken: store.get(KEY) ?? null, trace };
}

const targetOf = (pkg: PackageSnapshot) => fix.targets(pkg)[0]!;
const patchedText = (text: string, file: string) => {
  const r = fix.apply(text, file);
  if (!r.changed) throw new Error(`expected a change: ${r.status} ${r.reason}`);
  return r.text;
};

/** JS holds a signed-in client; native holds a stale client token whose client has no session. */
const staleNative: Device = {
  jsToken: 'jwt_js',
  nativeToken: 'jwt_native_stale',
  server: { jwt_js: { id: 'client_js', sessions: [{ id: 'sess_js' }] }, jwt_native_stale: { id: 'client_native', sessions: [] } },
};
/** JS is signed out; native holds a client with a session (signed in natively): adopted pristine and patched. */
const nativeSignedIn: Device = {
  jsToken: 'jwt_js',
  nativeToken: 'jwt_native',
  server: { jwt_js: { id: 'client_js', sessions: [] }, jwt_native: { id: 'client_native', sessions: [{ id: 'sess_native' }] } },
};

describe('Fix G codemod: registration and targets', () => {
  it('is registered in FIXES for @clerk/expo', () => {
    expect(FIXES.filter((f) => f.id === 'native-sync-keeps-signed-in-client').map((f) => [f.letter, f.package])).toEqual([
      ['G', '@clerk/expo'],
    ]);
  });
  it('targets nativeClientSync.js when the package has it, else ClerkProvider.js', () => {
    const pkg = (files: string[]) => ({ name: '@clerk/expo', version: '3.6.2', packageJson: {}, files, read: () => undefined });
    expect(fix.targets(pkg([PROVIDER, SYNC_MODULE]))).toEqual([SYNC_MODULE]);
    expect(fix.targets(pkg([PROVIDER]))).toEqual([PROVIDER]);
    expect(fix.targets(pkg(['dist/index.js']))).toEqual([]);
  });
  it('3.4 provider: the guard waits for JS to load and hands a signed-out JS client back to the original path', () => {
    const out = fix.apply(read('provider-3.4.input.js'), 'p.js');
    if (!out.changed) throw new Error('expected a change');
    expect(out.text).toContain(
      'if (!clerkInstance.loaded || clerkInstance.client?.signedInSessions?.length > 0) { if ((await adoptNativeClientKeepingSignedInSession(',
    );
    expect(out.text).toContain('})) !== undefined) return; }\n\tawait syncClientTokenToCache(');
    expect(out.text).toContain('\tawait syncClientTokenToCache(tokenCache$1 ?? require_token_cache_index.tokenCache, nativeClientToken);');
  });
});

describe('Fix G on the real published @clerk/expo: cold start with a stale, sessionless native client', () => {
  for (const v of ['3.4.2', '3.4.3', '3.5.2', '3.6.2', '3.7.8', '4.0.2', '4.0.4']) {
    it(`${v}: pristine adopts the native client and ends signed out; patched keeps the JS session and token`, async () => {
      const pkg = await fetchPackage('@clerk/expo', v);
      const file = targetOf(pkg);
      const text = pkg.read(file)!;
      expect(fix.detect(text, file).status).toBe('vulnerable');
      const patched = patchedText(text, file);
      expect(parseErrors(patched)).toBe(0);
      expect(fix.detect(patched, file).status).toBe('patched');
      expect(fix.apply(patched, file).changed).toBe(false);

      const before = await coldStart(v, file, text, staleNative);
      expect(before, before.trace.join('\n')).toMatchObject({ signedIn: null, client: 'client_native', jsToken: 'jwt_native_stale' });
      expect(before.trace.some((t) => t.includes('authorization=jwt_native_stale -> client_native (0 session(s))'))).toBe(true);

      const after = await coldStart(v, file, patched, staleNative);
      expect(after, after.trace.join('\n')).toMatchObject({ signedIn: 'sess_js', client: 'client_js', jsToken: 'jwt_js' });
    });

    it(`${v}: outside the bug (JS signed out, native signed in): pristine and patched both adopt the native session`, async () => {
      const pkg = await fetchPackage('@clerk/expo', v);
      const file = targetOf(pkg);
      const text = pkg.read(file)!;
      const before = await coldStart(v, file, text, nativeSignedIn);
      const after = await coldStart(v, file, patchedText(text, file), nativeSignedIn);
      expect(before).toMatchObject({ signedIn: 'sess_native', client: 'client_native', jsToken: 'jwt_native' });
      expect(after).toEqual(before);
    });
  }

  // 4.0.4 (upstream #9222) compares the client before and after clerk-js's Client.fetch(), which
  // refetches into the same object, so its check sees one id and adopts the stale client all the
  // same (patched above); upstream compares a snapshot from 4.1.0 (#8960) and restores the rejected
  // client from 4.1.1 (#9259). 4.2.0 is the first of those on the registry.
  it('4.2.0 (upstream, with the client snapshot): fixed-upstream by structure; keeps the JS session and token, like the patch', async () => {
    const pkg = await fetchPackage('@clerk/expo', '4.2.0');
    const file = targetOf(pkg);
    const text = pkg.read(file)!;
    expect(fix.detect(text, file).status).toBe('fixed-upstream');
    const r = await coldStart('4.2.0', file, text, staleNative);
    expect(r, r.trace.join('\n')).toMatchObject({ signedIn: 'sess_js', client: 'client_js', jsToken: 'jwt_js' });
  });

  it('3.3.1 (no syncNativeClientToJs): not-affected', async () => {
    const pkg = await fetchPackage('@clerk/expo', '3.3.1');
    expect(fix.detect(pkg.read(PROVIDER)!, PROVIDER).status).toBe('not-affected');
  });
});
