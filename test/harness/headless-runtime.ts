import path from 'node:path';
import vm from 'node:vm';
import { setImmediate as realSetImmediate, setTimeout as realSetTimeout } from 'node:timers';
import { VirtualClock, type FiredTimer, type StarveOrder } from './virtual-clock.ts';

/**
 * A React-Native-like scope for evaluating a CommonJS bundle text in Node, with its own module
 * instance (fresh module singletons every time), virtual time and routed network:
 *
 * - The bundle is compiled with `vm.compileFunction` whose parameters SHADOW the globals it must
 *   see differently: `window`/`self`/`globalThis` (one scope object, as React Native's
 *   InitializeCore sets `window = global`), `navigator` (`{ product: 'ReactNative' }`: no
 *   `onLine`, no `userAgent`, as on a device), `BroadcastChannel` (undefined: Node 20 has one,
 *   React Native does not, and clerk-js would take its multi-tab browser path), `document`
 *   (undefined), `Date` and the timer functions (the virtual clock), `fetch` (routed),
 *   `console` (recorded in `consoleLog`, not printed).
 *   Nothing global is changed, so vitest and Node keep real time.
 * - `fetch` only reaches hosts the `route` function maps (e.g. the publishable key's Frontend
 *   API host → the fake server); anything else is rejected as a network error and listed in
 *   `blockedRequests`. Requests in flight are counted, and a response body is read fully before
 *   the bundle sees it, so `settle()` knows when the world is quiet.
 * - Chunk files the bundle `require`s (relative paths) are evaluated in the same scope.
 */
export interface HeadlessRuntimeOptions {
  clock?: VirtualClock;
  /** Maps a request URL to where it really goes; undefined = blocked (network error). */
  route: (url: URL) => URL | undefined;
  /** Extra scope globals (or overrides), e.g. { navigator: { onLine: false } }. */
  globals?: Record<string, unknown>;
  /**
   * How many requests the server holds unanswered on purpose right now (`() => fapi.held`, see
   * FakeFapi.stall): that many in-flight requests do not keep `settle()` waiting, so a stalled
   * request is part of a quiet world and virtual time can advance past it.
   */
  held?: () => number;
}

export interface RuntimeFetch {
  method: string;
  url: string;
  /** Virtual ms when sent. */
  at: number;
}

/** A loaded bundle's CommonJS exports. */
export type BundleExports = Record<string, unknown>;

export interface EvaluableBundle {
  /** Shown in stack traces. */
  filename: string;
  text: string;
  /** Other files of the package, for relative requires (paths relative to the package root). */
  read?: (p: string) => string | undefined;
}

const SHADOWED = [
  'window',
  'self',
  'globalThis',
  'global',
  'navigator',
  'document',
  'BroadcastChannel',
  'Date',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'fetch',
  'console',
] as const;

export interface ConsoleEntry {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  args: unknown[];
}

export class HeadlessRuntime {
  readonly clock: VirtualClock;
  readonly scope: Record<string, unknown>;
  readonly fetches: RuntimeFetch[] = [];
  readonly blockedRequests: RuntimeFetch[] = [];
  /** What the bundle wrote to `console` (kept out of the test output). */
  readonly consoleLog: ConsoleEntry[] = [];
  readonly #inflight = new Map<RuntimeFetch, Promise<unknown>>();
  readonly #route: HeadlessRuntimeOptions['route'];
  readonly #held: () => number;
  readonly #watchHeld: boolean;

  constructor(opts: HeadlessRuntimeOptions) {
    this.clock = opts.clock ?? new VirtualClock();
    this.#route = opts.route;
    this.#held = opts.held ?? (() => 0);
    this.#watchHeld = opts.held !== undefined;
    const scope = Object.create(globalThis) as Record<string, unknown>;
    Object.assign(scope, this.clock.globals, {
      window: scope,
      self: scope,
      globalThis: scope,
      global: scope,
      navigator: { product: 'ReactNative' },
      document: undefined,
      BroadcastChannel: undefined,
      fetch: this.#fetch,
      console: recordingConsole(this.consoleLog),
      ...opts.globals,
    });
    this.scope = scope;
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  /** Evaluates a CommonJS bundle in this scope; returns its exports. */
  evaluate(bundle: EvaluableBundle): BundleExports {
    const modules = new Map<string, { exports: BundleExports }>();
    const load = (filename: string, text: string): BundleExports => {
      const hit = modules.get(filename);
      if (hit) return hit.exports;
      const module = { exports: {} as BundleExports };
      modules.set(filename, module);
      const dir = path.posix.dirname(filename);
      const localRequire = (spec: string): unknown => {
        if (!spec.startsWith('./') && !spec.startsWith('../'))
          throw new Error(`headless runtime: ${filename} requires "${spec}"; only the package's own files are available`);
        const target = path.posix.normalize(path.posix.join(dir, spec.endsWith('.js') ? spec : `${spec}.js`));
        const t = bundle.read?.(target);
        if (t === undefined) throw new Error(`headless runtime: ${filename} requires ${spec} (${target}), not in the package`);
        return load(target, t);
      };
      const fn = vm.compileFunction(text, ['exports', 'require', 'module', '__filename', '__dirname', ...SHADOWED], {
        filename: `${bundle.filename.split(':')[0]}:${filename}`,
      });
      fn.call(module.exports, module.exports, localRequire, module, filename, dir, ...SHADOWED.map((k) => this.scope[k]));
      return module.exports;
    };
    const entry = bundle.filename.includes(':') ? bundle.filename.slice(bundle.filename.indexOf(':') + 1) : bundle.filename;
    return load(entry, bundle.text);
  }

  /**
   * Waits until no request is in flight and the microtask queue has drained (three quiet
   * macrotask turns in a row). Virtual timers do not fire here. A request still in flight after
   * `maxWaitMs` of REAL time is an error: a hang guard only (the fake server is in this process
   * and answers in milliseconds on an idle machine), wide enough for a heavily loaded one.
   */
  async settle(maxWaitMs = 120_000): Promise<void> {
    const giveUp = performance.now() + maxWaitMs;
    let quiet = 0;
    const busy = (): boolean => this.#inflight.size > this.#held();
    while (quiet < 3) {
      if (busy() && this.#watchHeld) {
        // The server may hold some requests (stall): wait turn by turn until the others are done.
        quiet = 0;
        if (performance.now() > giveUp)
          throw new Error(
            `headless runtime: still in flight after ${maxWaitMs} ms beside ${this.#held()} held: ${[...this.#inflight.keys()].map((r) => `${r.method} ${r.url}`).join(', ')}`,
          );
      } else if (busy()) {
        quiet = 0;
        const left = giveUp - performance.now();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          Promise.allSettled([...this.#inflight.values()]).then(() => false),
          new Promise<boolean>((r) => (timer = realSetTimeout(() => r(true), Math.max(0, left)))),
        ]);
        clearTimeout(timer);
        if (timedOut)
          throw new Error(
            `headless runtime: still in flight after ${maxWaitMs} ms: ${[...this.#inflight.keys()].map((r) => `${r.method} ${r.url}`).join(', ')}`,
          );
      }
      await new Promise<void>((r) => realSetImmediate(r));
      quiet = busy() ? 0 : quiet + 1;
    }
  }

  /**
   * Awaits `promise` (something the bundle does), settling the world as it goes.
   *
   * If the world is quiet (nothing in flight, microtasks drained) and the promise is still
   * pending, the bundle is waiting for virtual time (a retry backoff, a poll). With
   * `awakeUpTo` (ms), the app is awake and in the foreground: virtual time advances to the next
   * timer (firing timers in deadline order, as `advance` does) until the promise settles, for at
   * most that long. Without it (default), such a wait is an error naming the pending timers,
   * not a hang.
   */
  async run<T>(promise: Promise<T>, what = 'the bundle', { awakeUpTo = 0 }: { awakeUpTo?: number } = {}): Promise<T> {
    let done = false;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    promise.then(
      (v) => ((done = true), (value = v)),
      (e: unknown) => ((done = true), (failed = true), (error = e)),
    );
    const until = this.clock.now() + awakeUpTo;
    for (;;) {
      await this.settle();
      if (!done) await new Promise<void>((r) => realSetImmediate(r));
      if (done) break;
      const next = this.clock.nextDue(until);
      if (!next) {
        const pending = this.clock.pending().map((t) => `${t.kind} #${t.id} +${t.delay}ms due ${t.deadline - this.clock.now()}ms from now`);
        throw new Error(
          `headless runtime: ${what} is waiting on virtual time (nothing in flight${awakeUpTo ? `, ${awakeUpTo} ms awake budget spent` : ''}); pending timers: ${pending.join('; ') || 'none'}`,
        );
      }
      this.clock.setNow(Math.max(this.clock.now(), next.deadline));
      this.clock.fire(next.id);
    }
    if (failed) throw error;
    return value as T;
  }

  /**
   * An awake app for `ms` of virtual time: each timer due in the window fires at its own
   * deadline, in deadline order, and the world settles after each (its requests complete).
   */
  async advance(ms: number): Promise<FiredTimer[]> {
    await this.settle();
    const until = this.clock.now() + ms;
    const out: FiredTimer[] = [];
    for (let next = this.clock.nextDue(until); next; next = this.clock.nextDue(until)) {
      this.clock.setNow(Math.max(this.clock.now(), next.deadline));
      const f = this.clock.fire(next.id);
      if (f) out.push(f);
      await this.settle();
    }
    this.clock.setNow(until);
    return out;
  }

  /**
   * The JS thread is suspended for `ms` (iOS background): refuses (throws) while a request is
   * in flight — a starvation that begins mid-request is not what this models — then wall time jumps and every due timer fires once, late, in deadline order
   * (VirtualClock.starve), then the world settles. Returns what fired, in order.
   */
  async starve(ms: number, opts: { order?: StarveOrder } = {}): Promise<FiredTimer[]> {
    if (this.#inflight.size > 0) {
      throw new Error(
        `starve(): refusing while a request is in flight (${[...this.#inflight.keys()].map((r) => `${r.method} ${r.url}`).join(', ')}); settle() first`,
      );
    }
    await this.settle();
    const fired = this.clock.starve(ms, opts);
    await this.settle();
    return fired;
  }

  readonly #fetch = async (input: unknown, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : undefined;
    const url = new URL(req ? req.url : String(input));
    const method = (init?.method ?? req?.method ?? 'GET').toUpperCase();
    const rec: RuntimeFetch = { method, url: url.href, at: this.clock.now() };
    this.fetches.push(rec);
    const target = this.#route(url);
    if (!target) {
      this.blockedRequests.push(rec);
      throw new TypeError(`Network request failed (headless runtime: ${url.host} is not routed)`);
    }
    const done = (async () => {
      await undefined; // registered in #inflight below before anything here can finish
      try {
        const res = await fetch(req ? new Request(target, req) : target, init);
        const body = [101, 204, 205, 304].includes(res.status) ? null : await res.arrayBuffer();
        return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
      } catch (err) {
        throw new TypeError(`Network request failed (${(err as Error).message})`);
      } finally {
        this.#inflight.delete(rec);
      }
    })();
    this.#inflight.set(rec, done);
    return done;
  };
}

function recordingConsole(log: ConsoleEntry[]): Console {
  const c = Object.create(console) as Console;
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) c[level] = (...args: unknown[]) => void log.push({ level, args });
  return c;
}

/** A router sending `fromHost` (any scheme) to `toOrigin`, keeping path and query. */
export function hostRouter(routes: Record<string, string>): (url: URL) => URL | undefined {
  return (url) => {
    const to = routes[url.host];
    if (to === undefined) return undefined;
    return new URL(url.pathname + url.search, to);
  };
}
