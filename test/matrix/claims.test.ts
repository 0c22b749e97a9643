import semver from 'semver';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { MANIFEST } from '../../scripts/infra/paths.ts';
import { loadMatrixScenario, matrixScenarioNames } from './scenarios.ts';
import { cellKey, readStore } from './store.ts';

/**
 * What the README claims agrees with the committed matrix: for every shipped @clerk/expo patch
 * and every fix it carries, each scenario exercising that fix ends as the user expects with the
 * patch (`kept`, or `signed out` for a sign-out), where the matrix has that cell.
 */
const README = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
/** Fix letter → id, as the README's fix table states them ("| **D** [`native-signout-after-load`]"). */
const letters = new Map([...README.matchAll(/^\| \*\*([A-Z])\*\* \[`([a-z0-9-]+)`\]/gm)].map((m) => [m[2]!, m[1]!]));
const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as { patches: { package: string; version: string; fixes: string[] }[] };
const store = readStore();

/**
 * Columns whose fix the matrix shows falling short, with the reason; their patched cells must read
 * what is stated here (so the entry goes once the fix holds). test/harness/expo/README.md, "Matrix
 * cells these rules changed".
 */
const KNOWN_GAPS: Record<string, { versions: string; result: string; why: string }> = {};

it('every patched cell of a fix the patch carries is kept', () => {
  const checked: string[] = [];
  for (const p of manifest.patches.filter((x) => x.package === '@clerk/expo')) {
    for (const id of p.fixes) {
      const letter = letters.get(id);
      expect(letter, `README names no letter for ${id}`).toBeDefined();
      for (const scenario of matrixScenarioNames().filter((n) => loadMatrixScenario(n).fix === letter)) {
        const cell = store.cells[cellKey({ version: p.version, variant: 'patched', scenario })];
        // A cell the scenario does not apply to (`—`, e.g. 3.4.x on Android without its native module) claims nothing.
        if (!cell || cell.result === '—' || cell.result === 'not modelled') continue;
        const gap = KNOWN_GAPS[scenario] && semver.satisfies(p.version, KNOWN_GAPS[scenario].versions) ? KNOWN_GAPS[scenario] : undefined;
        const want = gap?.result ?? ((loadMatrixScenario(scenario).expect ?? 'signed-in') === 'signed-in' ? 'kept' : 'signed out');
        expect(cell.result, `${p.version} patched ${scenario}${gap ? ` (${gap.why})` : ''}`).toBe(want);
        checked.push(`${p.version} ${scenario}`);
      }
    }
  }
  expect(checked.length).toBeGreaterThan(0);
});

/** How good a cell is for the user (higher is better); `—` / `not modelled` / `error` are not ranked. */
const RANK: Record<string, number> = {
  kept: 2,
  'signed out': 2,
  'stuck until restart': 1,
  'no token': 1,
  stuck: 0,
  lost: 0,
  hang: 0,
  'never settled': 0,
};

it('no patched cell is worse for the user than the same cell pristine (both tables)', () => {
  const tables = [store.cells, store.clerkJs?.cells ?? {}] as Record<string, { result: string }>[];
  let compared = 0;
  for (const cells of tables) {
    for (const [key, cell] of Object.entries(cells)) {
      const [version, variant, ...rest] = key.split(' ');
      if (variant !== 'patched') continue;
      const pristine = cells[cellKey({ version: version!, variant: 'pristine', scenario: rest.join(' ') })];
      const [a, b] = [RANK[pristine?.result ?? ''], RANK[cell.result]];
      if (a === undefined || b === undefined) continue;
      expect(b, `${key}: pristine ${pristine!.result}, patched ${cell.result}`).toBeGreaterThanOrEqual(a);
      compared++;
    }
  }
  expect(compared).toBeGreaterThan(100);
});

// A cell records another reading only where the verdict differed from the default readings' (run.ts).
it('no patched cell ends worse for the user under another reading of an assumed rule than under the default readings', () => {
  const worse: string[] = [];
  for (const [key, cell] of Object.entries(store.cells)) {
    if (key.split(' ')[1] !== 'patched' || !cell.readings) continue;
    const base = RANK[cell.result];
    if (base === undefined) continue;
    for (const [reading, result] of Object.entries(cell.readings)) {
      const r = RANK[result];
      if (r === undefined) continue;
      if (r < base) worse.push(`${key} under ${reading}: ${cell.result} → ${result}`);
    }
  }
  expect(worse).toEqual([]);
  expect(Object.keys(store.cells).filter((k) => k.split(' ')[1] === 'patched').length).toBeGreaterThan(100);
});
