/**
 * A virtual clock for code evaluated inside a headless runtime scope (see headless-runtime.ts):
 * `Date`, `setTimeout`/`clearTimeout`/`setInterval`/`clearInterval` that only move when a test
 * says so. Nothing here touches Node's real timers or the real `Date`, so vitest, undici and
 * node:http keep working on real time while the bundle under test lives on virtual time.
 *
 * Two ways for time to pass:
 * - `fire*`/`advance` (awake app, see HeadlessRuntime.advance): each timer fires at its own
 *   deadline, in deadline order, with the world settled in between.
 * - `starve` (iOS suspending the JS thread): wall time jumps by the whole duration first, then
 *   every timer that came due fires ONCE, late, in DEADLINE order (ties: creation order). That
 *   is what a resumed JS thread sees. `@sinonjs/fake-timers`' `clock.jump()` instead fires due
 *   timers in CREATION order; clerk-js's token cache creates the expiry timer before the
 *   (earlier) refresh timer, so creation order lets the expiry timer cancel the refresh and
 *   hides the bug. `starve(ms, { order: 'creation' })` reproduces jump() for tests that pin
 *   this down.
 */
export type TimerKind = 'timeout' | 'interval';

export interface TimerInfo {
  readonly id: number;
  readonly kind: TimerKind;
  /** Requested delay in ms (as passed, clamped at 0). */
  readonly delay: number;
  /** Virtual ms when it is due. */
  readonly deadline: number;
  /** Creation order (1, 2, …) across the clock's life. */
  readonly seq: number;
  /** Virtual ms when it was created (or last re-armed, for intervals). */
  readonly createdAt: number;
}

export interface FiredTimer extends TimerInfo {
  /** Virtual ms when it actually fired (later than `deadline` under starvation). */
  readonly firedAt: number;
}

interface Timer extends TimerInfo {
  fn: (...args: unknown[]) => unknown;
  args: unknown[];
}

export type StarveOrder = 'deadline' | 'creation';

/** The globals a runtime scope takes from a clock. */
export interface ClockGlobals {
  Date: DateConstructor;
  setTimeout: (fn: unknown, delay?: number, ...args: unknown[]) => number;
  clearTimeout: (id?: unknown) => void;
  setInterval: (fn: unknown, delay?: number, ...args: unknown[]) => number;
  clearInterval: (id?: unknown) => void;
}

/** 2026-01-01T00:00:00Z: a fixed start so runs are reproducible. */
export const DEFAULT_START = Date.UTC(2026, 0, 1);

export class VirtualClock {
  #now: number;
  #seq = 0;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();
  /** Every timer that has fired, in firing order (tests read it to show order). */
  readonly fired: FiredTimer[] = [];
  /** Uncaught errors thrown by timer callbacks (the bundle's, not ours). */
  readonly errors: unknown[] = [];
  readonly globals: ClockGlobals;

  constructor(start: number = DEFAULT_START) {
    this.#now = start;
    this.globals = {
      Date: makeDate(() => this.#now),
      setTimeout: (fn, delay, ...args) => this.#add('timeout', fn, delay, args),
      setInterval: (fn, delay, ...args) => this.#add('interval', fn, delay, args),
      clearTimeout: (id) => this.#clear(id),
      clearInterval: (id) => this.#clear(id),
    };
  }

  now(): number {
    return this.#now;
  }

  /** Pending timers, by deadline then creation. */
  pending(): TimerInfo[] {
    return [...this.#timers.values()].sort(byDeadline).map(info);
  }

  /** The next pending timer due at or before `until`, if any. */
  nextDue(until: number): TimerInfo | undefined {
    const t = [...this.#timers.values()].sort(byDeadline)[0];
    return t && t.deadline <= until ? info(t) : undefined;
  }

  /** Moves time forward without firing anything (use with care; `advance`/`starve` are the normal paths). */
  setNow(ms: number): void {
    if (ms < this.#now) throw new Error(`virtual time cannot go back (${ms} < ${this.#now})`);
    this.#now = ms;
  }

  /** Fires one pending timer now (awake path: the caller has moved time to its deadline). */
  fire(id: number): FiredTimer | undefined {
    const t = this.#timers.get(id);
    if (!t) return undefined;
    return this.#run(t);
  }

  /**
   * The JS thread was suspended for `ms`: time jumps to now + ms, then each timer that came due
   * fires once, late, synchronously one after another (a resumed thread's timer batch), in
   * `order` (default: deadline). Intervals fire once and re-arm from the new now. Timers created
   * by these callbacks are not part of the batch. Returns what fired, in order.
   */
  starve(ms: number, { order = 'deadline' }: { order?: StarveOrder } = {}): FiredTimer[] {
    if (!(ms >= 0)) throw new Error(`starve(${ms}): duration must be >= 0`);
    this.#now += ms;
    const due = [...this.#timers.values()].filter((t) => t.deadline <= this.#now);
    due.sort(order === 'deadline' ? byDeadline : (a, b) => a.seq - b.seq);
    const out: FiredTimer[] = [];
    for (const t of due) {
      // An earlier callback in the batch may have cleared it.
      if (this.#timers.get(t.id) !== t) continue;
      out.push(this.#run(t));
    }
    return out;
  }

  #run(t: Timer): FiredTimer {
    const rec: FiredTimer = { ...info(t), firedAt: this.#now };
    if (t.kind === 'interval') {
      const delay = Math.max(1, t.delay);
      this.#timers.set(t.id, { ...t, createdAt: this.#now, deadline: this.#now + delay, seq: ++this.#seq });
    } else {
      this.#timers.delete(t.id);
    }
    this.fired.push(rec);
    try {
      t.fn(...t.args);
    } catch (err) {
      this.errors.push(err);
    }
    return rec;
  }

  #add(kind: TimerKind, fn: unknown, delay: number | undefined, args: unknown[]): number {
    if (typeof fn !== 'function') throw new TypeError('virtual clock: string timer callbacks are not supported');
    const d = Math.max(0, Number(delay) || 0);
    const id = this.#nextId++;
    this.#timers.set(id, {
      id,
      kind,
      delay: d,
      deadline: this.#now + d,
      seq: ++this.#seq,
      createdAt: this.#now,
      fn: fn as Timer['fn'],
      args,
    });
    return id;
  }

  #clear(id: unknown): void {
    if (typeof id === 'number') this.#timers.delete(id);
  }
}

const byDeadline = (a: TimerInfo, b: TimerInfo): number => a.deadline - b.deadline || a.seq - b.seq;
const info = ({ id, kind, delay, deadline, seq, createdAt }: TimerInfo): TimerInfo => ({ id, kind, delay, deadline, seq, createdAt });

/** A `Date` whose `now()` and argument-less constructor read the virtual clock. */
function makeDate(now: () => number): DateConstructor {
  const RealDate = Date;
  class VirtualDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return now();
    }
  }
  return VirtualDate as unknown as DateConstructor;
}
