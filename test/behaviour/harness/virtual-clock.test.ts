import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../harness/virtual-clock.ts';

describe('VirtualClock', () => {
  it('starve(): time jumps first, then due timers fire once, late, in deadline order (ties by creation)', () => {
    const c = new VirtualClock(1_000);
    const seen: Array<[string, number]> = [];
    const { setTimeout, setInterval, Date: VDate } = c.globals;
    setTimeout(() => seen.push(['late-deadline', VDate.now()]), 60_000); // created first
    setTimeout(() => seen.push(['early-deadline', new VDate().getTime()]), 43_000); // created second
    setTimeout(() => seen.push(['tie', VDate.now()]), 43_000);
    setInterval(() => seen.push(['interval', VDate.now()]), 10_000);
    setTimeout(() => seen.push(['not-due', VDate.now()]), 5 * 3600_000);
    const fired = c.starve(3 * 3600_000);
    const now = 1_000 + 3 * 3600_000;
    expect(seen).toEqual([
      ['interval', now],
      ['early-deadline', now],
      ['tie', now],
      ['late-deadline', now],
    ]);
    expect(fired.map((f) => f.delay)).toEqual([10_000, 43_000, 43_000, 60_000]);
    expect(fired.every((f) => f.firedAt === now && f.firedAt > f.deadline)).toBe(true);
    // The interval re-armed from the new now; the 5 h timer is still pending.
    expect(c.pending().map((t) => [t.delay, t.deadline - now])).toEqual([
      [10_000, 10_000],
      [5 * 3600_000, 2 * 3600_000],
    ]);
  });

  it("order 'creation' reproduces @sinonjs/fake-timers' jump(): a timer cleared by an earlier-created one never fires", () => {
    const c = new VirtualClock(0);
    const { setTimeout, clearTimeout } = c.globals;
    const seen: string[] = [];
    let refresh = 0;
    setTimeout(() => {
      seen.push('expiry');
      clearTimeout(refresh);
    }, 60_000);
    refresh = setTimeout(() => seen.push('refresh'), 43_000);
    expect(c.starve(3600_000, { order: 'creation' }).map((f) => f.delay)).toEqual([60_000]);
    expect(seen).toEqual(['expiry']);
    expect(c.pending()).toEqual([]); // the refresh timer was cleared, not merely skipped
  });

  it('Date: argument-less construction and Date.now() read virtual time; explicit dates are real dates', () => {
    const c = new VirtualClock(Date.UTC(2030, 5, 1));
    const D = c.globals.Date;
    expect(new D().toISOString()).toBe('2030-06-01T00:00:00.000Z');
    c.starve(1500);
    expect(D.now()).toBe(Date.UTC(2030, 5, 1) + 1500);
    expect(new D(0).getTime()).toBe(0);
    expect(new D() instanceof Date).toBe(true);
  });
});
