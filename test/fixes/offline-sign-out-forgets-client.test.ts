import { describe, expect, it } from 'vitest';
import { evaluateCommonJs } from '../harness/commonjs-file.ts';
import { fix } from '../../scripts/fixes/offline-sign-out-forgets-client/fix.ts';
import { TARGET } from '../../scripts/fixes/offline-sign-out-forgets-client/meta.ts';
import { fix as fixH } from '../../scripts/fixes/singleton-latest-token-cache/fix.ts';
import { fix as fixJ } from '../../scripts/fixes/load-retries-unanswered-requests/fix.ts';
import { fix as fixK } from '../../scripts/fixes/session-token-rejection-rereads-client/fix.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { FIX_CATALOG } from '../../scripts/fixes/catalog.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;
const KEY = '__clerk_client_jwt';

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration createClerkInstance$/ });

/**
 * One version per shape of createClerkInstance.js (tsup 3.0.1–3.6.x, with Fix H before 3.6.3;
 * rolldown 3.7+; the newest): `npm run patches` applies and verifies the codemod on all 40.
 */
const SHAPES = ['3.0.1', '3.6.3', '4.6.6'];

describe('Fix S codemod: names and registration', () => {
  it('is registered (letter S, @clerk/expo) in FIXES and the catalog, after H, J and K (all edit createClerkInstance.js)', () => {
    expect(FIXES.filter((f) => f.id === fix.id).map((f) => [f.letter, f.package])).toEqual([['S', '@clerk/expo']]);
    expect(FIX_CATALOG.some((m) => m.id === fix.id && m.letter === 'S')).toBe(true);
    const at = (id: string) => FIXES.findIndex((f) => f.id === id);
    expect(at(fix.id)).toBeGreaterThan(Math.max(at(fixH.id), at(fixJ.id), at(fixK.id)));
  });
});

describe(`Fix S on one served @clerk/expo per file shape (${SHAPES.join(', ')}; fetched from the registry)`, () => {
  for (const v of SHAPES)
    it(`${v}: vulnerable → patched (parses, idempotent); after H, J and K in registry order every fix detects patched`, async () => {
      const text = (await fetchPackage('@clerk/expo', v)).read(TARGET)!;
      expect(fix.detect(text, TARGET).status).toBe('vulnerable');
      const r = fix.apply(text, TARGET);
      if (!r.changed) throw new Error(`expected a change: ${r.reason}`);
      expect(parseErrors(r.text)).toBe(0);
      expect(fix.detect(r.text, TARGET).status).toBe('patched');
      expect(fix.apply(r.text, TARGET).changed).toBe(false);
      let all = text;
      const applied: string[] = [];
      for (const f of [fixH, fixJ, fixK, fix]) {
        const step = f.apply(all, TARGET);
        if (!step.changed) continue;
        all = step.text;
        applied.push(f.letter);
      }
      expect(parseErrors(all)).toBe(0);
      for (const f of [fixH, fixJ, fixK, fix].filter((x) => applied.includes(x.letter)))
        expect(f.detect(all, TARGET).status).toBe('patched');
    });
});

// ---------------------------------------------------------------------------------------------
// The patched factory's signOut with a stand-in clerk-js whose signOut() behaves as 6.32.0+'s.

interface Session {
  id: string;
}
/**
 * clerk-js 6.40.0 `signOut(callbackOrOptions, options)` (dist `clerk.native.js`): with no
 * `sessionId`, or one signed-in session, it calls `client.removeSessions()`; a network error is
 * swallowed (the client keeps its sessions), the session is cleared locally. With a `sessionId`
 * among several, `session.remove()`, which throws on any error.
 */
class FakeClerk {
  network = true;
  /**
   * React Native's navigator (read as online): clerk-js rethrows the fapiClient's network error
   * (`clerkNetworkError`: "ClerkJS: Network error at … Please try again.") after clearing its
   * session (`#setTransitiveState()`: `session` undefined), instead of signing out locally.
   */
  rnNavigator = false;
  /** A non-network failure of the server (5xx): rethrown by clerk-js. */
  serverError = false;
  /** An HTTP answer clerk-js turns into a ClerkAPIResponseError (it carries `status`). */
  httpError = false;
  setActiveCalls: unknown[] = [];
  session: Session | null | undefined;
  client: { signedInSessions: Session[] };
  constructor(sessions: string[]) {
    this.client = { signedInSessions: sessions.map((id) => ({ id })) };
    this.session = this.client.signedInSessions[0] ?? null;
  }
  __internal_onBeforeRequest() {}
  __internal_onAfterResponse() {}
  addListener() {}
  signOut = async (a?: unknown, b?: unknown) => {
    const opts = (a && typeof a === 'object' ? a : b || {}) as { sessionId?: string };
    if (!opts.sessionId || this.client.signedInSessions.length === 1) {
      if (this.serverError) throw new Error('internal_clerk_error');
      if (this.httpError || (!this.network && this.rnNavigator)) this.session = undefined;
      if (this.httpError) throw Object.assign(new Error('Service unavailable'), { status: 503, clerkError: true });
      if (!this.network && this.rnNavigator)
        throw new Error(
          'ClerkJS: Network error at "https://clerk.example.com/v1/client/sessions" - TypeError: Network request failed. Please try again.',
        );
      if (this.network) this.client = { signedInSessions: [] };
      this.session = null;
      return;
    }
    if (!this.network) throw new Error('network_error');
    this.client.signedInSessions = this.client.signedInSessions.filter((s) => s.id !== opts.sessionId);
    if (this.session?.id === opts.sessionId) this.session = null;
  };
  setActive = async (params: { session: Session | null }) => {
    this.setActiveCalls.push(params);
    this.session = params.session;
  };
}

async function setup(version: string, sessions: string[], withClearToken = true) {
  const text = (await fetchPackage('@clerk/expo', version)).read(TARGET)!;
  const r = fix.apply(text, TARGET);
  if (!r.changed) throw new Error('expected a change');
  const anything: unknown = new Proxy(function () {}, {
    get: (_t, k) => (k === 'default' ? { version } : k === 'CLERK_CLIENT_JWT_KEY' ? KEY : anything),
    apply: () => anything,
  });
  const exported = evaluateCommonJs(r.text, {
    require: (id) => (id === 'react-native' ? { Platform: { OS: 'ios' } } : anything),
    setTimeout,
    clearTimeout,
    globals: { Array },
  });
  const store = new Map<string, string>([[KEY, 'client-jwt']]);
  const cache = {
    getToken: async (k: string) => store.get(k) ?? null,
    saveToken: async (k: string, v: string) => void store.set(k, v),
    ...(withClearToken ? { clearToken: async (k: string) => void store.delete(k) } : {}),
  };
  let clerk!: FakeClerk;
  const Clerk = function () {
    clerk = new FakeClerk(sessions);
    return clerk;
  };
  const create = exported.createClerkInstance as (c: unknown) => (o: object) => FakeClerk;
  create(Clerk)({ publishableKey: 'pk_test_x', tokenCache: cache });
  return { clerk, store };
}

for (const v of ['3.0.1', '4.6.6']) {
  describe(`Fix S's signOut on the patched ${v} createClerkInstance.js`, () => {
    it('offline, every session: signed out locally and the client JWT is forgotten', async () => {
      const { clerk, store } = await setup(v, ['sess_a']);
      clerk.network = false;
      await clerk.signOut();
      expect([clerk.session, store.has(KEY)]).toEqual([null, false]);
    });

    it('offline, a cache without clearToken: the stored client JWT becomes empty (the request hook then sends none)', async () => {
      const { clerk, store } = await setup(v, ['sess_a'], false);
      clerk.network = false;
      await clerk.signOut({ redirectUrl: '/' });
      expect(store.get(KEY)).toBe('');
    });

    it('offline, the one signed-in session named: forgotten too (clerk-js takes the every-session path)', async () => {
      const { clerk, store } = await setup(v, ['sess_a']);
      clerk.network = false;
      await clerk.signOut({ sessionId: 'sess_a' });
      expect(store.has(KEY)).toBe(false);
    });

    it('online: the server ended the sessions, the client JWT stays (clerk-js keeps its client)', async () => {
      const { clerk, store } = await setup(v, ['sess_a']);
      await clerk.signOut();
      expect([clerk.session, store.get(KEY)]).toEqual([null, 'client-jwt']);
    });

    it('one of several sessions, online or offline: the client JWT stays (the other sessions are still signed in here)', async () => {
      const online = await setup(v, ['sess_a', 'sess_b']);
      await online.clerk.signOut({ sessionId: 'sess_a' });
      expect(online.store.get(KEY)).toBe('client-jwt');
      const offline = await setup(v, ['sess_a', 'sess_b']);
      offline.clerk.network = false;
      await expect(offline.clerk.signOut({ sessionId: 'sess_a' })).rejects.toThrow('network_error');
      expect(offline.store.get(KEY)).toBe('client-jwt');
    });

    it("React Native's navigator, offline, every session: the network error reaches the app, the client JWT is forgotten, the app is signed out", async () => {
      const { clerk, store } = await setup(v, ['sess_a']);
      [clerk.network, clerk.rnNavigator] = [false, true];
      await expect(clerk.signOut()).rejects.toThrow(/^ClerkJS: Network error at /);
      expect([clerk.session, store.has(KEY), clerk.setActiveCalls]).toEqual([null, false, [{ session: null }]]);
    });

    it("React Native's navigator, offline, one of several sessions: rejected as before, nothing forgotten", async () => {
      const { clerk, store } = await setup(v, ['sess_a', 'sess_b']);
      [clerk.network, clerk.rnNavigator] = [false, true];
      await expect(clerk.signOut({ sessionId: 'sess_a' })).rejects.toThrow('network_error');
      expect([store.get(KEY), clerk.setActiveCalls]).toEqual(['client-jwt', []]);
    });

    it('an HTTP error answer (ClerkAPIResponseError, with status): rejected as before, nothing forgotten or set', async () => {
      const { clerk, store } = await setup(v, ['sess_a']);
      clerk.httpError = true;
      await expect(clerk.signOut()).rejects.toMatchObject({ status: 503 });
      expect([clerk.session, store.get(KEY), clerk.setActiveCalls]).toEqual([undefined, 'client-jwt', []]);
    });

    it('a sign-out clerk-js rejects (a server error): the error reaches the app, the client JWT stays', async () => {
      const { clerk, store } = await setup(v, ['sess_a']);
      clerk.serverError = true;
      await expect(clerk.signOut()).rejects.toThrow('internal_clerk_error');
      expect(store.get(KEY)).toBe('client-jwt');
    });
  });
}
