import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import type { RunFacts } from '../harness/expo/facts.ts';
import type { CellSpec } from './cell.ts';
import { cellFacts } from './cell-facts.ts';

/**
 * A cell's outcome is a function of (version, variant, scenario, readings) alone: the same cells run
 * in two orders in this process, and each alone in a fresh Node process, give the same facts — every
 * request the server saw, every native call, every secure-store call, the JS auth states, the verdict
 * (facts.ts). The cells: a stalled launch followed by a JS reload on 3.2.7 patched (in that order the
 * reload hung on loading while Node's BroadcastChannel connected the two apps' clerk-js), and a
 * sign-out on 4.6.6 (clerk-js broadcasts it).
 */
const CELLS: CellSpec[] = [
  { version: '3.2.7', variant: 'patched', scenario: 'slow-server-20s-ios-js-only' },
  { version: '3.2.7', variant: 'patched', scenario: 'js-reload-signed-in' },
  { version: '4.6.6', variant: 'pristine', scenario: 'js-only-sign-out' },
];
const key = (c: CellSpec) => `${c.version} ${c.variant} ${c.scenario}`;
const RUNNER = path.resolve(import.meta.dirname, 'cell-facts-run.ts');
const run = promisify(execFile);

async function inThisProcess(cells: CellSpec[]): Promise<Map<string, RunFacts | { error: string }>> {
  const out = new Map<string, RunFacts | { error: string }>();
  for (const c of cells) out.set(key(c), await cellFacts(c));
  return out;
}

/** Each cell alone in a fresh process (two at a time). */
async function inFreshProcesses(cells: CellSpec[]): Promise<Map<string, RunFacts | { error: string }>> {
  const out = new Map<string, RunFacts | { error: string }>();
  const one = async (c: CellSpec) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', RUNNER, JSON.stringify([c])], { maxBuffer: 64 << 20 });
    const line = stdout.split('\n').find((l) => l.startsWith('@@facts '));
    if (!line) throw new Error(`no facts from the fresh process for ${key(c)}:\n${stdout.slice(-2000)}`);
    out.set(key(c), (JSON.parse(line.slice('@@facts '.length)) as { facts: RunFacts | { error: string } }).facts);
  };
  for (let i = 0; i < cells.length; i += 2) await Promise.all(cells.slice(i, i + 2).map(one));
  return out;
}

beforeAll(async () => {
  for (const v of new Set(CELLS.map((c) => c.version))) await dependencySet(v);
});

it('gives every cell the same facts whatever ran before it in the process, and in a fresh process', async () => {
  const forward = await inThisProcess(CELLS);
  const backward = await inThisProcess([...CELLS].reverse());
  const fresh = await inFreshProcesses(CELLS);
  for (const c of CELLS) {
    const f = forward.get(key(c))!;
    expect('error' in f ? f.error : undefined, key(c)).toBeUndefined();
    expect(backward.get(key(c)), `${key(c)}: run after the others vs before them`).toEqual(f);
    expect(fresh.get(key(c)), `${key(c)}: in this process vs alone in a fresh one`).toEqual(f);
  }
  // The comparison has something to compare: the runs made requests, and the cells differ.
  expect(CELLS.every((c) => (forward.get(key(c)) as RunFacts).requests.length > 0)).toBe(true);
  expect(new Set(CELLS.map((c) => JSON.stringify(forward.get(key(c))))).size).toBe(CELLS.length);
});
