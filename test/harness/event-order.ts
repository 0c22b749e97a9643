/**
 * When a harness event happened, for timelines that interleave the server's requests, the
 * secure store's calls, native calls and JS auth states (`npm run repro`): `at` is virtual ms of
 * the open world's clock (`Date.now()` reads it while a world is open), `ord` a process-wide
 * ordinal that orders events of the same virtual millisecond as they really happened.
 */
export interface Stamp {
  at: number;
  ord: number;
}

let last = 0;

export const nextOrdinal = (): number => ++last;

export const stamp = (): Stamp => ({ at: Date.now(), ord: nextOrdinal() });
