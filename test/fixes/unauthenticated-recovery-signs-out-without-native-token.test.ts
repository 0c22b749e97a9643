import { describe, expect, it } from 'vitest';
import { fix } from '../../scripts/fixes/unauthenticated-recovery-signs-out-without-native-token/fix.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { FIX_CATALOG } from '../../scripts/fixes/catalog.ts';
import { buildPatch } from '../../scripts/codemod/run-fixes.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';
import { syncWorld, unauthenticatedWithNativeToken, type SyncWorld, type TestClient } from './native-client-sync-dist.ts';

const FILE = 'dist/provider/nativeClientSync.js';
const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration handleUnauthenticated$/ });

/** Served versions with the restore-and-report-recovered 401 path (4.0.4 with Fix G's check engaged). */
const AFFECTED = ['4.0.4', '4.2.0', '4.2.1', '4.2.2', '4.2.3', '4.6.5', '4.6.6'];

/** The version's nativeClientSync.js, pristine and as the generator patches it (every fix covering the version, composed). */
async function texts(version: string) {
  const pkg = await fetchPackage('@clerk/expo', version);
  const pristine = pkg.read(FILE)!;
  const built = buildPatch(pkg, FIXES);
  const patched = built?.files.find((f) => f.path === FILE)?.after;
  if (!patched) throw new Error(`no patch of ${FILE} for ${version}`);
  return { pkg, pristine, patched, fixes: built!.files.find((f) => f.path === FILE)!.fixes };
}

describe('Fix I: registration and detection on the registry', () => {
  it('is registered (letter I, @clerk/expo), after Fix G (it composes with G on 4.0.4), with the same metadata in the catalog', () => {
    const ids = FIXES.map((f) => f.id);
    expect(FIXES.filter((f) => f.id === fix.id).map((f) => [f.letter, f.package, f.fixedUpstreamIn])).toEqual([['I', '@clerk/expo', null]]);
    expect(ids.indexOf(fix.id)).toBeGreaterThan(ids.indexOf('native-sync-keeps-signed-in-client'));
    expect(FIX_CATALOG.map((f) => f.id)).toEqual(ids);
  });

  for (const v of AFFECTED) {
    it(`${v}: detected, patched by the generator (with Fix G on 4.0.4), idempotent`, async () => {
      const { pristine, patched, fixes } = await texts(v);
      // 4.0.4's pristine check never engages with the real clerk-js; the shape is there all the same.
      expect(fix.detect(pristine, FILE).status).toBe('vulnerable');
      expect(fixes).toContain(fix.id);
      if (v === '4.0.4') expect(fixes).toContain('native-sync-keeps-signed-in-client');
      expect(fix.detect(patched, FILE).status).toBe('patched');
      expect(fix.apply(patched, FILE).changed).toBe(false);
    });
  }

  it('3.7.8 and 4.0.2 (no foreign-client check in the 401 recovery): not-affected', async () => {
    for (const v of ['3.7.8', '4.0.2']) {
      const pkg = await fetchPackage('@clerk/expo', v);
      expect(fix.detect(pkg.read(FILE)!, FILE).status, v).toBe('not-affected');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Behaviour of the real published module (pristine and patched) on a 401, at the level of
// Clerk's unit tests for the file (@clerk/expo@4.5.2's ClerkProvider.nativeClientSync tests are
// the specification of everything but the bug; these cases are ours).
// ---------------------------------------------------------------------------------------------

const sessionA = { id: 'sess_a' };
const sessionB = { id: 'sess_b' };

/**
 * A JS client as clerk-js's Client.fetch() answers: with the JS client token in the cache, the JS
 * client (the server still lists its session, or — revoked — no longer does); with the cache
 * cleared, the Frontend API's answer to a request without a client token: a new, empty client.
 */
function serverBackedClient(w: SyncWorld, sessionsOnServer: () => { id: string }[]): TestClient {
  return {
    id: 'client_js',
    signedInSessions: [sessionA],
    lastActiveSessionId: sessionA.id,
    fetch: async () =>
      w.cache.store.get(w.key) === 'jwt_js'
        ? { id: 'client_js', signedInSessions: sessionsOnServer(), lastActiveSessionId: sessionsOnServer()[0]?.id ?? null }
        : { id: 'client_new', signedInSessions: [], lastActiveSessionId: null },
  };
}

/** A 401 on the session-token request of a signed-in JS client; native has no device token. */
async function unauthenticatedWithoutNativeToken(version: string, variant: 'pristine' | 'patched', nativeModule: boolean) {
  const t = await texts(version);
  const w = syncWorld(t.pkg, t[variant], { nativeModule });
  w.cache.store.set(w.key, 'jwt_js');
  w.clerk.client = serverBackedClient(w, () => []);
  w.clerk.session = sessionA;
  let tokenWhenClerkHandled: string | undefined | null = null;
  const original = w.clerk.handleUnauthenticated;
  w.clerk.handleUnauthenticated = async () => {
    tokenWhenClerkHandled = w.cache.store.get(w.key);
    return original();
  };
  w.mountNativeClientSync();
  await w.clerk.handleUnauthenticated();
  await w.settle();
  return { w, tokenWhenClerkHandled };
}

describe("Fix I: a 401 with no native device token reaches Clerk's own handler (real published module)", () => {
  for (const v of AFFECTED.filter((x) => x !== '4.0.4')) {
    for (const nativeModule of [false, true]) {
      const where = nativeModule ? 'native module without a device token' : 'no native module (Expo Go, JS-only build)';
      it(`${v} pristine, ${where}: recovery restores the old client and reports success; Clerk's handler never runs`, async () => {
        const { w } = await unauthenticatedWithoutNativeToken(v, 'pristine', nativeModule);
        expect(w.cache.calls).toContain(`clearToken ${w.key}`);
        expect(w.calls.originalHandleUnauthenticated).toBe(0);
        expect(w.cache.store.get(w.key)).toBe('jwt_js');
      });
      it(`${v} patched, ${where}: the JS token is put back, then Clerk's own handler runs (once)`, async () => {
        const { w, tokenWhenClerkHandled } = await unauthenticatedWithoutNativeToken(v, 'patched', nativeModule);
        expect(w.calls.originalHandleUnauthenticated).toBe(1);
        expect(tokenWhenClerkHandled).toBe('jwt_js');
      });
    }
  }
  it("4.0.4 with Fixes G and I: Clerk's own handler runs; with Fix G alone it would not (G's check now engages)", async () => {
    const { w, tokenWhenClerkHandled } = await unauthenticatedWithoutNativeToken('4.0.4', 'patched', false);
    expect(w.calls.originalHandleUnauthenticated).toBe(1);
    expect(tokenWhenClerkHandled).toBe('jwt_js');
    const t = await texts('4.0.4');
    const g = FIXES.find((f) => f.id === 'native-sync-keeps-signed-in-client')!.apply(t.pristine, FILE);
    if (!g.changed) throw new Error('expected Fix G to patch 4.0.4');
    const alone = syncWorld(t.pkg, g.text, { nativeModule: false });
    alone.cache.store.set(alone.key, 'jwt_js');
    alone.clerk.client = serverBackedClient(alone, () => []);
    alone.clerk.session = sessionA;
    alone.mountNativeClientSync();
    await alone.clerk.handleUnauthenticated();
    await alone.settle();
    expect(alone.calls.originalHandleUnauthenticated).toBe(0);
  });
});

/** 4.5.2's specified 401 behaviours, on the patched newest version (and pristine, for the same answers). */
describe('Fix I keeps the 401 behaviours upstream specifies (4.6.6, real published module)', () => {
  const VERSION = '4.6.6';
  for (const variant of ['pristine', 'patched'] as const) {
    const world = async () => {
      const t = await texts(VERSION);
      return syncWorld(t.pkg, t[variant]);
    };

    it(`${variant}: multi-session: the active session became unauthenticated, another remains → kept, no fallback to Clerk's handler`, async () => {
      const w = await world();
      const remaining: TestClient = { signedInSessions: [sessionB], lastActiveSessionId: sessionB.id };
      w.clerk.client = { signedInSessions: [sessionA], lastActiveSessionId: sessionA.id, fetch: async () => remaining };
      w.clerk.session = sessionA;
      w.mountNativeClientSync();
      await w.clerk.handleUnauthenticated();
      await w.settle();
      expect(w.calls.originalHandleUnauthenticated).toBe(0);
      expect(w.calls.originalUpdateClient).toContainEqual({ client: remaining, options: { __internal_dangerouslySkipEmit: true } });
      expect(w.calls.setActive).toContainEqual(sessionB);
    });

    it(`${variant}: a burst of 401s runs the recovery once; every 401 then reaches Clerk's handler`, async () => {
      const w = await world();
      let fetches = 0;
      w.clerk.client = {
        signedInSessions: [sessionA],
        lastActiveSessionId: sessionA.id,
        fetch: async () => {
          fetches++;
          return null;
        },
      };
      w.clerk.session = sessionA;
      w.mountNativeClientSync();
      await w.clerk.handleUnauthenticated();
      await w.clerk.handleUnauthenticated();
      await w.settle();
      expect(fetches).toBe(1);
      expect(w.calls.originalHandleUnauthenticated).toBe(2);
    });

    it(`${variant}: native holds a device token whose client is foreign and session-less → rejected, JS kept, JS token back to native, no fallback`, async () => {
      const w = await world();
      const foreign: TestClient = { id: 'client_foreign', signedInSessions: [], lastActiveSessionId: null };
      w.cache.store.set(w.key, 'jwt_js');
      w.native.token = 'jwt_ghost';
      w.clerk.client = { id: 'client_js', signedInSessions: [sessionA], lastActiveSessionId: sessionA.id, fetch: async () => foreign };
      w.clerk.session = sessionA;
      w.mountNativeClientSync();
      await w.clerk.handleUnauthenticated();
      await w.settle();
      expect(w.calls.originalHandleUnauthenticated).toBe(0);
      expect(w.calls.originalUpdateClient.map((c) => c.client)).not.toContain(foreign);
      expect(w.clerk.session).toBe(sessionA);
      expect(w.cache.calls).toContain(`saveToken ${w.key} jwt_ghost`);
      expect(w.cache.store.get(w.key)).toBe('jwt_js');
      expect(w.native.syncs.some((s) => s[0] === 'jwt_js' && s[2] === false && s[3] === true)).toBe(true);
    });

    for (const reloadFinds of ['signed-out', 'signed-in'] as const) {
      it(`${variant}: the client refresh fails, native has a device token, reloading finds the user ${reloadFinds} → ${reloadFinds === 'signed-out' ? "Clerk's handler runs" : 'no fallback'}`, async () => {
        const w = await world();
        await unauthenticatedWithNativeToken(w, sessionA, reloadFinds);
        expect(w.cache.calls).toContain(`saveToken ${w.key} jwt_native`);
        expect(w.calls.originalHandleUnauthenticated).toBe(reloadFinds === 'signed-out' ? 1 : 0);
      });
    }
  }
});
