import { describe, expect, it } from 'vitest';
import { fix } from '../../scripts/fixes/native-sync-keeps-signed-in-client/fix.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { syncWorld, unauthenticatedWithNativeToken, type SyncWorld, type TestClient } from './native-client-sync-dist.ts';

/**
 * Fix G against the behaviours upstream specifies for `nativeClientSync` (Clerk's unit tests for
 * the file at @clerk/expo@4.0.2 and at 4.0.3, the release of upstream's fix #9222), each written
 * here as our own case and run on the real published 4.0.2 module: pristine, and edited by the
 * codemod. Cases 1–3 hold on pristine 4.0.2 and must hold with the patch (a signed-in JS client
 * whose token cache answers null still adopts a native client that has a session, and a 401 that
 * native state cannot recover still reaches Clerk's own handler). Case 4 is 4.0.3's: a native
 * client that cannot be checked leaves the JS token and gives it back to the native side.
 */
const FILE = 'dist/provider/nativeClientSync.js';
const VERSIONS = ['4.0.2', '3.7.8'];

async function worlds(version: string) {
  const pkg = await fetchPackage('@clerk/expo', version);
  const pristine = pkg.read(FILE)!;
  const r = fix.apply(pristine, FILE);
  if (!r.changed) throw new Error(`expected the codemod to patch ${version}: ${r.status} ${r.reason}`);
  return { pristine: () => syncWorld(pkg, pristine), patched: () => syncWorld(pkg, r.text) };
}

const sessionA = { id: 'sess_a' };
const sessionB = { id: 'sess_b' };
const signedIn = (extra: Partial<TestClient> = {}): TestClient => ({
  signedInSessions: [sessionA],
  lastActiveSessionId: sessionA.id,
  ...extra,
});
const tokenEvent = (deviceToken: string | null) => ({ issuedAt: 1, changed: { client: true, deviceToken: true }, deviceToken });

/** Case 1: a native client change whose refreshed client no longer has the active session but has another. */
async function nativeChangeMovesToAnotherSession(w: SyncWorld) {
  const refreshed: TestClient = { signedInSessions: [sessionB], lastActiveSessionId: sessionB.id };
  w.clerk.client = signedIn({ fetch: async () => refreshed });
  w.clerk.session = sessionA;
  w.mountNativeClientSync();
  w.nativeEvent(tokenEvent('jwt_native'));
  await w.settle();
  return { refreshed };
}

/** Case 4: JS is signed in with a token; native announces another token; the JS client has no fetch() to check it with. */
async function uncheckableNativeChange(w: SyncWorld) {
  w.cache.store.set(w.key, 'jwt_js');
  w.clerk.client = signedIn({ id: 'client_js' });
  w.clerk.session = sessionA;
  w.mountNativeClientSync();
  w.nativeEvent(tokenEvent('jwt_native'));
  await w.settle(5_000);
}

for (const v of VERSIONS) {
  describe(`Fix G on the real @clerk/expo ${v} nativeClientSync: upstream's specified behaviours`, () => {
    for (const variant of ['pristine', 'patched'] as const) {
      it(`${variant}: 1. a JS token cache that answers null still adopts the refreshed native client's other session (setActive, no stale signed-out emit, no reload)`, async () => {
        const w = (await worlds(v))[variant]();
        const { refreshed } = await nativeChangeMovesToAnotherSession(w);
        expect(w.cache.calls).toContain(`saveToken ${w.key} jwt_native`);
        expect(w.calls.setActive).toContainEqual(sessionB);
        expect(w.calls.originalUpdateClient).toContainEqual({ client: refreshed, options: { __internal_dangerouslySkipEmit: true } });
        expect(w.calls.reloads).toBe(0);
        expect(w.clerk.session).toBe(sessionB);
      });

      it(`${variant}: 2. a 401 recovered from the native device token does not fall back to Clerk's sign-out`, async () => {
        const w = (await worlds(v))[variant]();
        await unauthenticatedWithNativeToken(w, sessionA, 'signed-in', true);
        expect(w.cache.calls).toContain(`saveToken ${w.key} jwt_native`);
        expect(w.calls.reloads).toBeGreaterThan(0);
        expect(w.calls.originalHandleUnauthenticated).toBe(0);
        expect(w.calls.setActive).not.toContain(null);
      });

      it(`${variant}: 3. a 401 that the native device token cannot recover (no signed-in session) falls back to Clerk's own handler`, async () => {
        const w = (await worlds(v))[variant]();
        await unauthenticatedWithNativeToken(w, sessionA, 'signed-out');
        expect(w.cache.calls).toContain(`saveToken ${w.key} jwt_native`);
        expect(w.calls.originalHandleUnauthenticated).toBe(1);
      });
    }

    it('pristine: 4. an uncheckable native client replaces the signed-in JS token (the native token is written, the JS one never reaches native)', async () => {
      const w = (await worlds(v)).pristine();
      await uncheckableNativeChange(w);
      expect(w.cache.calls).toContain(`saveToken ${w.key} jwt_native`);
      expect(w.native.syncs.filter((s) => s[0] === 'jwt_js')).toEqual([]);
    });

    it('patched: 4. an uncheckable native client leaves the JS token and gives it back to native (syncClientStateFromJs(token, …, false, true))', async () => {
      const w = (await worlds(v)).patched();
      await uncheckableNativeChange(w);
      expect(w.native.syncs.some((s) => s[0] === 'jwt_js' && s[2] === false && s[3] === true)).toBe(true);
      expect(w.cache.calls).not.toContain(`saveToken ${w.key} jwt_native`);
      expect(w.cache.store.get(w.key)).toBe('jwt_js');
      expect(w.calls.reloads).toBe(0);
      expect(w.clerk.session).toBe(sessionA);
    });

    // Further behaviours of upstream's fix that the patch carries.
    it('patched: a foreign session-less native client is rejected; the JS token goes back into the cache and to native', async () => {
      const w = (await worlds(v)).patched();
      const foreign: TestClient = { id: 'client_foreign', signedInSessions: [], lastActiveSessionId: null };
      w.cache.store.set(w.key, 'jwt_js');
      w.clerk.client = signedIn({ id: 'client_js', fetch: async () => foreign });
      w.clerk.session = sessionA;
      w.mountNativeClientSync();
      w.nativeEvent(tokenEvent('jwt_native'));
      await w.settle();
      expect(w.cache.calls).toContain(`saveToken ${w.key} jwt_native`);
      expect(w.cache.store.get(w.key)).toBe('jwt_js');
      expect(w.calls.originalUpdateClient.map((c) => c.client)).not.toContain(foreign);
      expect(w.clerk.session).toBe(sessionA);
      expect(w.native.syncs.some((s) => s[0] === 'jwt_js' && s[2] === false && s[3] === true)).toBe(true);
    });

    it('patched: a session-less answer for the same client is applied (the server signed it out)', async () => {
      const w = (await worlds(v)).patched();
      const signedOut: TestClient = { id: 'client_shared', signedInSessions: [], lastActiveSessionId: null };
      w.cache.store.set(w.key, 'jwt_js');
      w.clerk.client = signedIn({ id: 'client_shared', fetch: async () => signedOut });
      w.clerk.session = sessionA;
      w.mountNativeClientSync();
      w.nativeEvent(tokenEvent('jwt_native'));
      await w.settle();
      expect(w.calls.originalUpdateClient.map((c) => c.client)).toContain(signedOut);
      expect(w.clerk.session).toBeNull();
    });

    it('patched: a JS token read that does not answer in time keeps JS as it is (no write, no fetch)', async () => {
      const w = (await worlds(v)).patched();
      let fetches = 0;
      w.cache.read = () => new Promise(() => {});
      w.clerk.client = signedIn({
        id: 'client_js',
        fetch: async () => {
          fetches++;
          return { id: 'client_foreign', signedInSessions: [], lastActiveSessionId: null };
        },
      });
      w.clerk.session = sessionA;
      w.mountNativeClientSync();
      w.nativeEvent(tokenEvent('jwt_native'));
      await w.settle(1_200);
      expect(w.cache.calls.filter((c) => c.startsWith('saveToken') || c.startsWith('clearToken'))).toEqual([]);
      expect(fetches).toBe(0);
      expect(w.clerk.session).toBe(sessionA);
    });
  });
}
