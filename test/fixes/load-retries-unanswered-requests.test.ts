import { evaluateCommonJs } from '../harness/commonjs-file.ts';
import { describe, expect, it } from 'vitest';
import { fix } from '../../scripts/fixes/load-retries-unanswered-requests/fix.ts';
import { fix as fixH } from '../../scripts/fixes/singleton-latest-token-cache/fix.ts';
import { TARGET } from '../../scripts/fixes/load-retries-unanswered-requests/meta.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { FIX_CATALOG } from '../../scripts/fixes/catalog.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { readManifest } from '../harness/clerk-bundle.ts';
import { VirtualClock } from '../harness/virtual-clock.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration createClerkInstance$/ });

/** Every @clerk/expo version the manifest serves (3.0.1–4.6.6). */
const SERVED = readManifest()
  .filter((e) => e.package === '@clerk/expo')
  .map((e) => e.version);

describe('Fix J codemod: names and registration', () => {
  it('is registered (letter J, @clerk/expo) in FIXES and the catalog, after Fix H (both edit createClerkInstance.js)', () => {
    expect(FIXES.filter((f) => f.id === fix.id).map((f) => [f.letter, f.package])).toEqual([['J', '@clerk/expo']]);
    expect(FIX_CATALOG.some((m) => m.id === fix.id && m.letter === 'J')).toBe(true);
    expect(FIXES.findIndex((f) => f.id === fix.id)).toBeGreaterThan(FIXES.findIndex((f) => f.id === fixH.id));
  });

  it('targets createClerkInstance.js only when the package has it', () => {
    const pkg = (files: string[]) => ({ name: '@clerk/expo', version: '4.6.6', packageJson: {}, files, read: () => undefined });
    expect(fix.targets(pkg([TARGET, 'dist/index.js']))).toEqual([TARGET]);
    expect(fix.targets(pkg(['dist/index.js']))).toEqual([]);
  });
});

describe(`Fix J on every served @clerk/expo (${SERVED.length} versions, fetched from the registry)`, () => {
  it('the manifest serves 3.0.1 through 4.6.6', () => {
    expect(SERVED).toContain('3.0.1');
    expect(SERVED).toContain('4.6.6');
  });
  for (const v of SERVED) {
    it(`${v}: vulnerable → patched (parses, idempotent), also on top of Fix H where H applies`, async () => {
      const pkg = await fetchPackage('@clerk/expo', v);
      expect(fix.targets(pkg)).toEqual([TARGET]);
      const text = pkg.read(TARGET)!;
      expect(fix.detect(text, TARGET).status).toBe('vulnerable');
      const r = fix.apply(text, TARGET);
      if (!r.changed) throw new Error(`expected a change: ${r.reason}`);
      expect(parseErrors(r.text)).toBe(0);
      expect(fix.detect(r.text, TARGET).status).toBe('patched');
      expect(fix.apply(r.text, TARGET).changed).toBe(false);
      // The file's react-native binding is what the helper reads AppState from.
      expect(r.text).toMatch(/const appState = (import_react_native|react_native)\.AppState;/);
      const h = fixH.apply(text, TARGET);
      if (h.changed) {
        const both = fix.apply(h.text, TARGET);
        if (!both.changed) throw new Error('expected Fix J to apply after Fix H');
        expect(parseErrors(both.text)).toBe(0);
        expect([fixH.detect(both.text, TARGET).status, fix.detect(both.text, TARGET).status]).toEqual(['patched', 'patched']);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The patched factory's load path with a scripted Frontend API, on virtual time.

type Outcome = 'ok' | 'hang' | 'network-error' | 'http-500';

interface RequestInit_ {
  method: string;
  path: string;
  headers: Headers;
  signal?: AbortSignal;
}

/**
 * A stand-in for clerk-js's Clerk with the contract the patch relies on (clerk-js
 * `src/core/fapiClient.ts` request(): onBeforeRequest callbacks run on the request init, then
 * fetch receives `{ ...requestInit }` — so a `signal` set by a callback reaches fetch —, and the
 * onAfterResponse callbacks run on the same init once the body is read; a network failure throws
 * before them). load() reads /environment and /client in parallel (`#loadInNonStandardBrowser`);
 * with `cachedResources`, a network failure falls back to the cache (a degraded load).
 */
class FakeClerk {
  before: Array<(i: RequestInit_) => unknown> = [];
  after: Array<(i: RequestInit_, r: unknown) => unknown> = [];
  loaded = false;
  loadCalls = 0;
  session: unknown = null;
  client: unknown;
  sent: Array<{ path: string; method: string; signal: boolean; at: number }> = [];
  aborts: number[] = [];
  __internal_getCachedResources?: () => Promise<unknown>;
  constructor(
    readonly script: (path: string, attempt: number) => Outcome,
    readonly clock: VirtualClock,
  ) {}
  __internal_onBeforeRequest(cb: (i: RequestInit_) => unknown) {
    this.before.push(cb);
  }
  __internal_onAfterResponse(cb: (i: RequestInit_, r: unknown) => unknown) {
    this.after.push(cb);
  }
  addListener() {}
  #attempts = new Map<string, number>();
  async request(method: string, path: string): Promise<{ status: number; headers: Headers }> {
    const init: RequestInit_ = { method, path, headers: new Headers() };
    for (const cb of this.before) await cb(init);
    const opts = { ...init };
    const n = (this.#attempts.get(path) ?? 0) + 1;
    this.#attempts.set(path, n);
    this.sent.push({ path, method, signal: !!opts.signal, at: this.clock.now() });
    const outcome = this.script(path, n);
    const res = await new Promise<{ status: number; headers: Headers }>((resolve, reject) => {
      if (outcome === 'ok') resolve({ status: 200, headers: new Headers({ authorization: 'jwt' }) });
      else if (outcome === 'http-500') resolve({ status: 500, headers: new Headers() });
      else if (outcome === 'network-error') reject(new TypeError('Network request failed'));
      else
        opts.signal?.addEventListener('abort', () => {
          this.aborts.push(this.clock.now());
          reject(new DOMException('Aborted', 'AbortError'));
        });
    });
    for (const cb of this.after) await cb(init, res);
    if (res.status >= 400) throw new Error(`HTTP ${res.status}`);
    return res;
  }
  load = async (_opts?: unknown): Promise<void> => {
    this.loadCalls++;
    if (this.loaded) return; // clerk-js: `if (this.loaded) return;` first thing in load()
    try {
      await Promise.all([this.request('GET', '/environment'), this.request('GET', '/client')]);
    } catch (e) {
      if (!this.__internal_getCachedResources || (e as Error).message.startsWith('HTTP')) throw e;
    }
    this.loaded = true;
  };
  __internal_reloadInitialResources = async (): Promise<void> => {
    await Promise.all([this.request('GET', '/environment'), this.request('GET', '/client')]);
  };
}

class FakeAppState {
  listeners = new Set<(s: string) => void>();
  constructor(public currentState: string) {}
  addEventListener(_t: string, fn: (s: string) => void) {
    this.listeners.add(fn);
    return { remove: () => void this.listeners.delete(fn) };
  }
  set(s: string) {
    this.currentState = s;
    for (const fn of [...this.listeners]) fn(s);
  }
}

/** A stand-in for the factory's other imports: callable, any property. */
function anything(): unknown {
  const f = function () {} as unknown as object;
  return new Proxy(f, {
    get: (_t, p) => (p === 'then' || p === Symbol.toPrimitive ? undefined : anything()),
    apply: (_t, _this, args) => (args.length > 0 ? args[0] : anything()),
  });
}

let patchedText: string | undefined;
async function patched466(): Promise<string> {
  if (patchedText) return patchedText;
  const text = (await fetchPackage('@clerk/expo', '4.6.6')).read(TARGET)!;
  const r = fix.apply(text, TARGET);
  if (!r.changed) throw new Error('expected a change');
  return (patchedText = r.text);
}

/** The real patched createClerkInstance.js of 4.6.6 building a FakeClerk; virtual time drives every timer. */
async function setup(script: (path: string, attempt: number) => Outcome, appState = 'active') {
  const clock = new VirtualClock();
  const rnAppState = new FakeAppState(appState);
  const fakeRequire = (id: string): unknown => {
    if (id === 'react-native') return { Platform: { OS: 'android' }, AppState: rnAppState };
    if (/\/package\.js(on)?$/.test(id)) return { version: '4.6.6', default: { version: '4.6.6' } };
    return anything();
  };
  const exported = evaluateCommonJs(await patched466(), {
    require: fakeRequire,
    setTimeout: clock.globals.setTimeout,
    clearTimeout: clock.globals.clearTimeout,
  });
  let clerk!: FakeClerk;
  const Clerk = function () {
    clerk = new FakeClerk(script, clock);
    return clerk;
  };
  const create = exported.createClerkInstance as (c: unknown) => (o: object) => FakeClerk;
  create(Clerk)({ publishableKey: 'pk_test_x', tokenCache: { getToken: async () => 'jwt', saveToken: async () => {} } });
  const flush = async () => {
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
  };
  /** The app awake for `ms`: each timer fires at its deadline, microtasks drained in between. */
  const advance = async (ms: number) => {
    const end = clock.now() + ms;
    for (;;) {
      await flush();
      const next = clock.nextDue(end);
      if (!next) break;
      clock.setNow(Math.max(clock.now(), next.deadline));
      clock.fire(next.id);
    }
    clock.setNow(end);
    await flush();
  };
  return { clock, clerk, advance, appState: rnAppState };
}

function track(p: Promise<unknown>) {
  const s: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  p.then(
    () => (s.state = 'resolved'),
    (e: unknown) => ((s.state = 'rejected'), (s.error = e)),
  );
  return s;
}

describe('Fix J behaviour (the real patched 4.6.6 factory, a scripted Frontend API, virtual time)', () => {
  it('a /client request that never answers is aborted after 15 s; load() is retried after 1 s and resolves once the server answers', async () => {
    const { clerk, advance, clock } = await setup((p, n) => (p === '/client' && n === 1 ? 'hang' : 'ok'));
    const t0 = clock.now();
    const load = track(clerk.load({}));
    await advance(14_999);
    expect(load.state).toBe('pending');
    await advance(1);
    expect(clerk.aborts.map((t) => t - t0)).toEqual([15_000]);
    await advance(1_000);
    expect(load.state).toBe('resolved');
    expect(clerk.loadCalls).toBe(2);
    expect(clerk.sent.filter((r) => r.path === '/client').map((r) => r.at - t0)).toEqual([0, 16_000]);
    expect(clock.pending()).toEqual([]);
  });

  it('the bound doubles per failed round (15, 30, 60, 60 s) and the pause between rounds doubles to 15 s, so a 20 s server is answered', async () => {
    const { clerk, advance, clock } = await setup((p, n) => (p === '/client' && n <= 4 ? 'hang' : 'ok'));
    const t0 = clock.now();
    const load = track(clerk.load({}));
    await advance(300_000);
    expect(load.state).toBe('resolved');
    const starts = clerk.sent.filter((r) => r.path === '/client').map((r) => r.at - t0);
    const aborts = clerk.aborts.map((t) => t - t0);
    expect(aborts.map((a, i) => a - starts[i]!)).toEqual([15_000, 30_000, 60_000, 60_000]);
    expect(starts.slice(1).map((s, i) => s - aborts[i]!)).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('a round in which every request was answered ends as before: an HTTP error rejects load() once, no retry', async () => {
    const { clerk, advance } = await setup((p) => (p === '/client' ? 'http-500' : 'ok'));
    const load = track(clerk.load({}));
    await advance(60_000);
    expect(load.state).toBe('rejected');
    expect(String(load.error)).toContain('HTTP 500');
    expect(clerk.loadCalls).toBe(1);
  });

  it('a network failure (offline) is retried too: load() stays pending, then resolves when the network is back', async () => {
    let online = false;
    const { clerk, advance } = await setup(() => (online ? 'ok' : 'network-error'));
    const load = track(clerk.load({}));
    await advance(120_000);
    expect(load.state).toBe('pending');
    const rounds = clerk.loadCalls;
    expect(rounds).toBeGreaterThan(3);
    online = true;
    await advance(15_000); // at most one capped pause
    expect(load.state).toBe('resolved');
  });

  it('only load requests are bounded: other routes, and /client after load, carry no signal', async () => {
    const { clerk, advance } = await setup(() => 'ok');
    const load = track(clerk.load({}));
    await advance(0);
    expect(load.state).toBe('resolved');
    await clerk.request('GET', '/client');
    await clerk.request('POST', '/client/sessions/sess_1/tokens');
    expect(clerk.sent.map((r) => [r.method, r.path, r.signal])).toEqual([
      ['GET', '/environment', true],
      ['GET', '/client', true],
      ['GET', '/client', false],
      ['POST', '/client/sessions/sess_1/tokens', false],
    ]);
  });

  it('concurrent load() calls share one run', async () => {
    const { clerk, advance } = await setup((p, n) => (p === '/client' && n === 1 ? 'hang' : 'ok'));
    const a = track(clerk.load({}));
    const b = track(clerk.load({}));
    await advance(20_000);
    expect([a.state, b.state, clerk.loadCalls]).toEqual(['resolved', 'resolved', 2]);
  });

  it('with the resource cache configured, clerk-js’s degraded load from the cache is kept (no retry here)', async () => {
    const { clerk, advance } = await setup(() => 'network-error');
    clerk.__internal_getCachedResources = async () => ({});
    const load = track(clerk.load({}));
    await advance(60_000);
    expect([load.state, clerk.loadCalls]).toEqual(['resolved', 1]);
  });

  it('in the background it does not retry; coming to the foreground retries at once', async () => {
    let online = false;
    const { clerk, advance, appState } = await setup(() => (online ? 'ok' : 'network-error'), 'background');
    const load = track(clerk.load({}));
    await advance(600_000);
    expect([load.state, clerk.loadCalls]).toEqual(['pending', 1]);
    online = true;
    appState.set('active');
    await advance(0);
    expect([load.state, clerk.loadCalls]).toEqual(['resolved', 2]);
    expect(appState.listeners.size).toBe(0);
  });
});

describe('Fix J keeps what the factory did before (the behaviours its upstream unit tests assert)', () => {
  /** The real patched 4.6.6 factory with a recording Clerk class; every instance has a load(). */
  async function factory() {
    const made: Array<{ pk: string; options: unknown; before: unknown[]; after: unknown[]; load: unknown; loadCalls: number }> = [];
    class RecordingClerk {
      rec = {
        pk: '',
        options: undefined as unknown,
        before: [] as unknown[],
        after: [] as unknown[],
        load: undefined as unknown,
        loadCalls: 0,
      };
      loaded = false;
      constructor(pk: string, options?: unknown) {
        this.rec.pk = pk;
        this.rec.options = options;
        made.push(this.rec);
      }
      load = async () => {
        this.rec.loadCalls++;
        this.loaded = true;
      };
      addListener() {}
      __internal_onBeforeRequest(cb: unknown) {
        this.rec.before.push(cb);
      }
      __internal_onAfterResponse(cb: unknown) {
        this.rec.after.push(cb);
      }
    }
    const exported = evaluateCommonJs(await patched466(), {
      require: (id: string) =>
        id === 'react-native'
          ? { Platform: { OS: 'ios' }, AppState: new FakeAppState('active') }
          : /\/package\.js(on)?$/.test(id)
            ? { version: '4.6.6', default: { version: '4.6.6' } }
            : anything(),
      setTimeout,
      clearTimeout,
    });
    const get = (exported.createClerkInstance as (c: unknown) => (o?: object) => RecordingClerk)(RecordingClerk);
    return { get, made };
  }

  it('the instance’s own hooks stay the first registered, and its request hook still sends the client JWT', async () => {
    const { get, made } = await factory();
    get({ publishableKey: 'pk_test_x', tokenCache: { getToken: async () => 'client-jwt', saveToken: async () => {} } });
    expect([made[0]!.before.length, made[0]!.after.length]).toEqual([2, 2]);
    const headers = new Headers();
    await (made[0]!.before[0] as (i: object) => Promise<void>)({ headers, url: new URL('https://x.test/v1/client'), path: '/client' });
    expect(headers.get('authorization')).toBe('client-jwt');
  });

  it('proxyUrl and domain still reach the constructor; a reused singleton is not wrapped twice; a config change wraps the new one', async () => {
    const { get, made } = await factory();
    const a = get({ publishableKey: 'pk_test_x', proxyUrl: 'https://proxy.test/__clerk', domain: undefined });
    expect(get({ publishableKey: 'pk_test_x' })).toBe(a);
    expect(made.map((m) => [m.pk, m.options])).toEqual([['pk_test_x', { proxyUrl: 'https://proxy.test/__clerk', domain: undefined }]]);
    await a.load();
    expect(made[0]!.loadCalls).toBe(1);
    const b = get({ publishableKey: 'pk_test_y' });
    expect(b).not.toBe(a);
    await b.load();
    expect([made.length, made[1]!.loadCalls, made[1]!.before.length]).toEqual([2, 1, 2]);
  });
});

describe('Fix J leaves a loaded instance alone', () => {
  it('load() after the app has loaded does what clerk-js does (returns at once): no reload, no request', async () => {
    const { clerk, advance } = await setup(() => 'ok');
    const first = track(clerk.load({}));
    await advance(0);
    expect(first.state).toBe('resolved');
    const sent = clerk.sent.length;
    let reloads = 0;
    clerk.__internal_reloadInitialResources = async () => void reloads++;
    const again = track(clerk.load({}));
    await advance(0);
    expect([again.state, clerk.loadCalls, reloads, clerk.sent.length]).toEqual(['resolved', 2, 0, sent]);
  });
});
