import { describe, expect, it } from 'vitest';
import { evaluateCommonJs } from '../harness/commonjs-file.ts';
import { fix } from '../../scripts/fixes/session-token-rejection-rereads-client/fix.ts';
import { TARGET } from '../../scripts/fixes/session-token-rejection-rereads-client/meta.ts';
import { fix as fixH } from '../../scripts/fixes/singleton-latest-token-cache/fix.ts';
import { fix as fixJ } from '../../scripts/fixes/load-retries-unanswered-requests/fix.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { FIX_CATALOG } from '../../scripts/fixes/catalog.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { readManifest } from '../harness/clerk-bundle.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration createClerkInstance$/ });

/** Every @clerk/expo version the manifest serves (3.0.1–4.6.6). */
const SERVED = readManifest()
  .filter((e) => e.package === '@clerk/expo')
  .map((e) => e.version);
/**
 * One version per shape of createClerkInstance.js (tsup 3.0.1–3.6.x with and without Fix H,
 * rolldown 3.7+, 4.0.4 under Fixes G and I, the newest): `npm run patches` applies and verifies
 * the codemod on all of them; these keep the test inside CI's time.
 */
const SHAPES = ['3.0.1', '3.1.6', '3.4.3', '3.6.3', '3.7.8', '4.0.4', '4.6.6'];

describe('Fix K codemod: names and registration', () => {
  it('is registered (letter K, @clerk/expo) in FIXES and the catalog, after Fixes H and J (all three edit createClerkInstance.js)', () => {
    expect(FIXES.filter((f) => f.id === fix.id).map((f) => [f.letter, f.package])).toEqual([['K', '@clerk/expo']]);
    expect(FIX_CATALOG.some((m) => m.id === fix.id && m.letter === 'K')).toBe(true);
    expect(FIXES.findIndex((f) => f.id === fix.id)).toBeGreaterThan(FIXES.findIndex((f) => f.id === fixJ.id));
    expect(FIXES.findIndex((f) => f.id === fixJ.id)).toBeGreaterThan(FIXES.findIndex((f) => f.id === fixH.id));
  });
});

describe(`Fix K on one served @clerk/expo per file shape (${SHAPES.join(', ')}; fetched from the registry)`, () => {
  it('the manifest serves each of them, 3.0.1 through 4.6.6', () => {
    for (const v of SHAPES) expect(SERVED).toContain(v);
  });
  for (const v of SHAPES) {
    it(`${v}: vulnerable → patched (parses, idempotent); with H and J in registry order all detect patched, and J still detects K's output as its own vulnerable`, async () => {
      const pkg = await fetchPackage('@clerk/expo', v);
      expect(fix.targets(pkg)).toEqual([TARGET]);
      const text = pkg.read(TARGET)!;
      expect(fix.detect(text, TARGET).status).toBe('vulnerable');
      const r = fix.apply(text, TARGET);
      if (!r.changed) throw new Error(`expected a change: ${r.reason}`);
      expect(parseErrors(r.text)).toBe(0);
      expect(fix.detect(r.text, TARGET).status).toBe('patched');
      expect(fix.apply(r.text, TARGET).changed).toBe(false);
      // K's own hook is not the instance's: J still finds exactly one pair of hooks.
      expect(fixJ.detect(r.text, TARGET).status).toBe('vulnerable');
      let all = text;
      for (const f of [fixH, fixJ, fix]) {
        const step = f.apply(all, TARGET);
        if (step.changed) all = step.text;
      }
      expect(parseErrors(all)).toBe(0);
      expect(fixJ.detect(all, TARGET).status).toBe('patched');
      expect(fix.detect(all, TARGET).status).toBe('patched');
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The patched factory's hook with a stand-in clerk-js: which responses lead to a client re-read.

interface Init {
  method?: string;
  path: string;
}
interface Res {
  status: number;
  headers: Headers;
  payload: unknown;
}

const clerkError = (code: string) => ({ errors: [{ code, message: code, long_message: code }] });

/**
 * A stand-in for clerk-js's Clerk with the contract the patch relies on (clerk-js
 * `src/core/fapiClient.ts` request(): the onAfterResponse callbacks run in order and are awaited,
 * with the request init and the response whose `payload` is the parsed body, before
 * `Base.ts` `_baseFetch` looks at the status; a body that is not JSON throws before them).
 * `handleUnauthenticated` records its calls and resolves when the test says.
 */
class FakeClerk {
  after: Array<(i: Init, r: Res) => unknown> = [];
  session: { id: string } | null = { id: 'sess_active' };
  calls = 0;
  release: Array<() => void> = [];
  failWith?: Error;
  __internal_onBeforeRequest() {}
  __internal_onAfterResponse(cb: (i: Init, r: Res) => unknown) {
    this.after.push(cb);
  }
  addListener() {}
  handleUnauthenticated = () => {
    this.calls++;
    if (this.failWith) return Promise.reject(this.failWith);
    return new Promise<void>((resolve) => this.release.push(resolve));
  };
  async respond(init: Init, status: number, payload: unknown): Promise<void> {
    const res: Res = { status, headers: new Headers(), payload };
    for (const cb of this.after) await cb(init, res);
  }
}

async function setup(version: string) {
  const text = (await fetchPackage('@clerk/expo', version)).read(TARGET)!;
  const r = fix.apply(text, TARGET);
  if (!r.changed) throw new Error('expected a change');
  const anything: unknown = new Proxy(function () {}, {
    get: (_t, k) => (k === 'default' ? { version } : anything),
    apply: () => anything,
  });
  const exported = evaluateCommonJs(r.text, {
    require: (id) => (id === 'react-native' ? { Platform: { OS: 'ios' } } : anything),
    setTimeout,
    clearTimeout,
    globals: { Array, decodeURIComponent, Headers },
  });
  let clerk!: FakeClerk;
  const Clerk = function () {
    clerk = new FakeClerk();
    return clerk;
  };
  const create = exported.createClerkInstance as (c: unknown) => (o: object) => FakeClerk;
  create(Clerk)({ publishableKey: 'pk_test_x', tokenCache: { getToken: async () => 'jwt', saveToken: async () => {} } });
  /** A response through every hook; handleUnauthenticated calls are released at once. */
  const answer = async (init: Init, status: number, payload: unknown = clerkError('resource_not_found')) => {
    const done = clerk.respond(init, status, payload);
    for (let i = 0; i < 10 && clerk.release.length === 0; i++) await Promise.resolve();
    for (const r of clerk.release.splice(0)) r();
    await done;
  };
  return { clerk, answer };
}

const TOKENS = { method: 'POST', path: '/client/sessions/sess_active/tokens' };

for (const v of ['3.0.1', '4.6.6']) {
  describe(`Fix K's hook on the patched ${v} createClerkInstance.js`, () => {
    it("a 404 or 403 to the active session's token request (with a JWT template too) re-reads through clerk.handleUnauthenticated", async () => {
      for (const [init, status] of [
        [TOKENS, 404],
        [TOKENS, 403],
        [{ method: 'POST', path: '/client/sessions/sess_active/tokens/supabase' }, 404],
      ] as const) {
        const { clerk, answer } = await setup(v);
        await answer(init, status, clerkError(status === 403 ? 'authorization_invalid' : 'resource_not_found'));
        expect(clerk.calls, `${init.path} ${status}`).toBe(1);
      }
    });

    it('the token request waits for the re-read (as clerk-js awaits its 401 handler before it throws)', async () => {
      const { clerk } = await setup(v);
      let settled = false;
      const done = clerk.respond(TOKENS, 404, clerkError('resource_not_found')).then(() => (settled = true));
      for (let i = 0; i < 10; i++) await Promise.resolve();
      expect([clerk.calls, settled]).toEqual([1, false]);
      clerk.release.splice(0).forEach((r) => r());
      await done;
      expect(settled).toBe(true);
    });

    it('concurrent rejections share one re-read; a later one re-reads again', async () => {
      const { clerk, answer } = await setup(v);
      const a = clerk.respond(TOKENS, 404, clerkError('resource_not_found'));
      const b = clerk.respond(TOKENS, 403, clerkError('authorization_invalid'));
      for (let i = 0; i < 10; i++) await Promise.resolve();
      expect(clerk.calls).toBe(1);
      clerk.release.splice(0).forEach((r) => r());
      await Promise.all([a, b]);
      await answer(TOKENS, 404);
      expect(clerk.calls).toBe(2);
    });

    it('a failing re-read (network) leaves the response to clerk-js as before: the hook resolves', async () => {
      const { clerk } = await setup(v);
      clerk.failWith = new TypeError('Network request failed');
      await expect(clerk.respond(TOKENS, 404, clerkError('resource_not_found'))).resolves.toBeUndefined();
      expect(clerk.calls).toBe(1);
    });

    const untouched: [string, Init, number, unknown, (c: FakeClerk) => void][] = [
      ['a 200 (the healthy path)', TOKENS, 200, { jwt: 'x' }, () => {}],
      ['a 401 (clerk-js re-reads by itself)', TOKENS, 401, clerkError('authentication_invalid'), () => {}],
      [
        'a 404 for another resource of the session',
        { method: 'POST', path: '/client/sessions/sess_active/touch' },
        404,
        clerkError('resource_not_found'),
        () => {},
      ],
      [
        'a 404 for another resource',
        { method: 'GET', path: '/client/sessions/sess_active/tokens' },
        404,
        clerkError('resource_not_found'),
        () => {},
      ],
      [
        'a 404 for the token of another session of the client',
        { method: 'POST', path: '/client/sessions/sess_other/tokens' },
        404,
        clerkError('resource_not_found'),
        () => {},
      ],
      ['a 404 whose body is no Clerk error (a proxy or gateway answering JSON)', TOKENS, 404, { message: 'Not Found' }, () => {}],
      ['a 404 with no body', TOKENS, 404, null, () => {}],
      ['a 404 while no session is active (signed out meanwhile)', TOKENS, 404, clerkError('resource_not_found'), (c) => (c.session = null)],
      ['a 500', TOKENS, 500, clerkError('internal_clerk_error'), () => {}],
    ];
    for (const [what, init, status, payload, before] of untouched)
      it(`no re-read on ${what}`, async () => {
        const { clerk, answer } = await setup(v);
        before(clerk);
        await answer(init, status, payload);
        expect(clerk.calls).toBe(0);
      });
  });
}
