import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setImmediate as realSetImmediate } from 'node:timers';
import { FakeFapi, type FakeFapiOptions } from '../fapi/server.ts';
import { VirtualClock, type ClockGlobals } from '../virtual-clock.ts';
import { httpFetch } from './http-fetch.ts';

/**
 * One scenario's world: its own fake Frontend API (a fresh server on 127.0.0.1), its own virtual
 * clock, and its own network. Nothing outlives it: `close()` drops every timer the app left
 * behind, refuses every request made after it, and closes the server.
 *
 * Why a world per scenario: the real clerk-js, @clerk/react and React run in the test process and
 * read the process's globals (`fetch`, `setTimeout`, `Date`) at call time. With one server per
 * file and apps never torn down, a timer of an earlier test's app fired during the next test and
 * its request reached the next test's server. Here, while a world is open:
 * - `Date`, `setTimeout`/`setInterval`/`clear*` are the world's virtual clock: time moves only when
 *   the harness moves it (`fireNext`), so no scenario waits in real time and a busy machine cannot
 *   change what fires when;
 * - `fetch` goes through the world's network: only this world's server is reachable (the Frontend
 *   API host of its publishable key is mapped to it, as the device's DNS would); any other
 *   address fails at once and is recorded in `blocked`; requests in flight are counted so the
 *   harness knows when the app is idle.
 * Only one world is open at a time in a process (globals are per process); vitest runs the tests
 * of a file one after another, and matrix workers run cells one after another.
 *
 * Real I/O (the loopback HTTP round trip) still takes real time; `idle()` waits for it. Virtual
 * time never moves while a request is in flight.
 */
export const DEVICE_TOKEN_TTL_SECONDS = 3600;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
/** Real-time hang guard for one loopback round trip (the fake answers in milliseconds). */
const IN_FLIGHT_GUARD_MS = 120_000;
/** Requests one idle() may see started before it calls the app's traffic a loop (a settled app makes a handful). */
const REQUEST_LOOP_LIMIT = 500;

type TimerGlobals = Pick<
  typeof globalThis,
  'Date' | 'setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval' | 'fetch' | 'BroadcastChannel'
>;
/** Seed of the world's `Math.random` (clerk-js jitters its retry backoff with it). */
const RANDOM_SEED = 0x5eed;

let open: DeviceWorld | undefined;

/** What the simulated device uses of the server: its addresses, a signed-in client, sessions and clients by id, ending them, its network. */
export type DeviceFapi = Pick<
  FakeFapi,
  | 'proxyUrl'
  | 'publishableKey'
  | 'signIn'
  | 'sessions'
  | 'clients'
  | 'endSession'
  | 'revokeSession'
  | 'offline'
  | 'failTokenRequests'
  | 'stall'
  | 'held'
  | 'reach'
  | 'clients'
>;

export interface WorldOptions {
  /**
   * Session token TTL on the fake (default 1 h): scenarios about reloads, sign-outs and server-side
   * ends are not about token refresh (test/behaviour/ covers refresh with Clerk's 60 s TTL).
   */
  tokenTtlSeconds?: number;
  fapi?: Omit<FakeFapiOptions, 'now' | 'tokenTtlSeconds'>;
}

export class DeviceWorld {
  /** Requests refused because they were not for this world's server (full URLs). */
  readonly blocked: string[] = [];
  /** Requests made through this world's network after `close()` (must stay empty). */
  readonly afterClose: string[] = [];
  /** Requests started through this world's network. */
  started = 0;
  inFlight = 0;
  closed = false;
  readonly #saved: TimerGlobals;
  readonly #random = Math.random;
  readonly #cleanups: (() => void | Promise<void>)[] = [];
  /** Requests on the wire now (cut at close, so none answers into a later world). */
  readonly #live = new Set<http.ClientRequest>();

  private constructor(
    readonly fapi: FakeFapi,
    readonly clock: VirtualClock,
  ) {
    const g = globalThis as unknown as TimerGlobals;
    this.#saved = {
      Date: g.Date,
      setTimeout: g.setTimeout,
      clearTimeout: g.clearTimeout,
      setInterval: g.setInterval,
      clearInterval: g.clearInterval,
      fetch: g.fetch,
      BroadcastChannel: g.BroadcastChannel,
    };
  }

  static async open(options: WorldOptions = {}): Promise<DeviceWorld> {
    if (open && !open.closed) throw new Error('a device world is already open in this process: close it first (one scenario at a time)');
    const clock = new VirtualClock();
    const fapi = await FakeFapi.start({
      ...options.fapi,
      now: () => clock.now(),
      tokenTtlSeconds: options.tokenTtlSeconds ?? DEVICE_TOKEN_TTL_SECONDS,
    });
    const world = new DeviceWorld(fapi, clock);
    world.#install();
    open = world;
    return world;
  }

  /** Runs `fn` in a fresh world and closes it whatever happens. */
  static async with<T>(fn: (world: DeviceWorld) => Promise<T>, options?: WorldOptions): Promise<T> {
    const world = await DeviceWorld.open(options);
    try {
      return await fn(world);
    } finally {
      await world.close();
    }
  }

  /** Something to undo at close (an app to unmount), run before the clock and network go away, last registered first. */
  onClose(fn: () => void | Promise<void>): void {
    this.#cleanups.push(fn);
  }

  #install(): void {
    const c: ClockGlobals = this.clock.globals;
    const g = globalThis as unknown as TimerGlobals;
    g.Date = c.Date;
    g.setTimeout = c.setTimeout as unknown as typeof setTimeout;
    g.clearTimeout = c.clearTimeout as typeof clearTimeout;
    g.setInterval = c.setInterval as unknown as typeof setInterval;
    g.clearInterval = c.clearInterval as typeof clearInterval;
    g.fetch = this.#fetch;
    // The device's JS runtime has no BroadcastChannel: React Native's InitializeCore polyfills fetch, URL,
    // AbortController… (facebook/react-native Libraries/Core/setUpXHR.js), not BroadcastChannel, and clerk-js
    // guards its use with `typeof BroadcastChannel` (its session-token cache and its sign-out channel). Node's
    // BroadcastChannel connects every clerk-js evaluation in the process: an earlier app's clerk-js (an earlier
    // world, or the bundle before a JS reload) received this app's token broadcasts and cleared timers by its own
    // ids on this world's clock — a verdict that depended on what ran before it.
    g.BroadcastChannel = undefined as unknown as typeof BroadcastChannel;
    Math.random = seededRandom(RANDOM_SEED);
  }

  #fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    let url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (this.closed) {
      this.afterClose.push(url.href);
      return Promise.reject(new TypeError(`request after the scenario ended: ${url.href}`));
    }
    if (url.hostname === this.fapi.frontendApiHost) {
      // @clerk/expo 3.0.1 passes no proxyUrl: clerk-js talks to the key's Frontend API host directly.
      url = new URL(`${url.pathname}${url.search}`, this.fapi.origin);
      input = typeof input === 'string' || input instanceof URL ? url : new Request(url, input);
    }
    if (!LOOPBACK.has(url.hostname) || url.origin !== this.fapi.origin) {
      this.blocked.push(url.href);
      return Promise.reject(new TypeError(`network request to ${url.host} refused by the test harness (only this scenario's server)`));
    }
    this.started++;
    this.inFlight++;
    const done = () => void this.inFlight--;
    const p = httpFetch(input, init, (req) => {
      this.#live.add(req);
      return () => void this.#live.delete(req);
    });
    p.then(done, done);
    return p;
  }) as typeof fetch;

  /**
   * Lets real I/O and promise chains run until the app is idle: no request in flight and a few
   * event-loop turns in a row with nothing new started. `turn` runs one turn (e.g. inside React's act).
   */
  async idle(turn: (fn: () => Promise<void>) => Promise<void> = (fn) => fn()): Promise<void> {
    let quiet = 0;
    const since = performance.now();
    const startedBefore = this.started;
    while (quiet < 3) {
      if (this.started - startedBefore > REQUEST_LOOP_LIMIT)
        throw new Error(`the app never settles: ${REQUEST_LOOP_LIMIT} requests without a pause in virtual time (a request loop)`);
      const before = this.started;
      await turn(() => new Promise<void>((r) => realSetImmediate(r)));
      // A request the server holds on purpose (FakeFapi.stall: a hung connection) is waiting, not busy.
      if (this.inFlight - this.fapi.held > 0) {
        quiet = 0;
        if (performance.now() - since > IN_FLIGHT_GUARD_MS)
          throw new Error(`a Frontend API request has been in flight for ${IN_FLIGHT_GUARD_MS / 1000} s (hang guard)`);
        continue;
      }
      quiet = this.started === before ? quiet + 1 : 0;
    }
  }

  /**
   * Awake time: moves the clock to the next timer due no later than `limit` (virtual ms) and fires
   * it (`run` wraps the firing, e.g. in React's act). False when no timer is due by then.
   */
  async fireNext(limit: number, run: (fn: () => Promise<void>) => Promise<void> = (fn) => fn()): Promise<boolean> {
    const next = this.clock.nextDue(limit);
    if (!next) return false;
    if (next.deadline > this.clock.now()) this.clock.setNow(next.deadline);
    await run(async () => void this.clock.fire(next.id));
    return true;
  }

  /** Awake time passing with nothing else to wait for: fires every timer due in the next `ms`, idling in between. */
  async advance(ms: number, run?: (fn: () => Promise<void>) => Promise<void>): Promise<void> {
    const end = this.clock.now() + ms;
    await this.idle(run);
    while (await this.fireNext(end, run)) await this.idle(run);
    this.clock.setNow(Math.max(end, this.clock.now()));
  }

  /**
   * Ends the scenario: runs the close hooks (unmount apps), lets requests in flight finish, then
   * drops every pending timer, restores the real globals and closes the server. Whatever the app
   * still holds (a callback on a dropped timer, a listener) can no longer reach any server.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      for (const fn of this.#cleanups.reverse()) await fn();
      // Hung requests fail now, while the world's clock still runs whatever their failure schedules.
      for (const req of this.#live) req.destroy();
      await this.idle();
    } finally {
      this.closed = true;
      for (const t of this.clock.pending()) this.clock.globals.clearTimeout(t.id);
      Object.assign(globalThis, this.#saved);
      Math.random = this.#random;
      if (open === this) open = undefined;
      await this.fapi.close();
    }
  }
}

/** mulberry32: a small deterministic PRNG, so a retry's jitter is the same on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
