import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { CLERK_JS, readManifest } from '../harness/clerk-bundle.ts';
import { clerkJsScenarioNames, runClerkJsCell } from './clerk-js-scenarios.ts';
import { cellKey, readStore } from './store.ts';

/**
 * The CI slice of the clerk-js table: a few clerk-js versions, every clerk-js scenario, pristine
 * and patched where a clerk-js patch ships. Each cell must equal the committed
 * docs/session-matrix.json (its `clerkJs` part): a behaviour change (ours or the registry's) fails
 * here, and `npm run matrix -- --clerk-js` regenerates the table.
 * 6.0.0: Fix A without Fix E (no online check on this path); 6.3.1: the last with the strict
 * online check (Fixes A and E); 6.7.1: the last Fix A patches; 6.7.4: upstream's fix; and the
 * newest version the committed table has (what a fresh install of @clerk/expo resolves).
 */
const store = readStore();
const committed = store.clerkJs ?? { versions: {}, cells: {} };
const newest = Object.keys(committed.versions).sort(semver.compare).at(-1);
const SLICE = [...new Set(['6.0.0', '6.3.1', '6.7.1', '6.7.4', ...(newest ? [newest] : [])])];
const patched = new Set(
  readManifest()
    .filter((e) => e.package === CLERK_JS)
    .map((e) => e.version),
);

it('the committed table has clerk-js versions beyond the fixed ones', () => {
  expect(newest, 'docs/session-matrix.json has no clerkJs table: run npm run matrix -- --clerk-js').toBeDefined();
  expect(semver.gt(newest!, '6.7.4')).toBe(true);
});

for (const version of SLICE) {
  describe(`${CLERK_JS} ${version}`, () => {
    for (const variant of patched.has(version) ? (['pristine', 'patched'] as const) : (['pristine'] as const)) {
      for (const scenario of clerkJsScenarioNames()) {
        it(`${variant} ${scenario}`, async () => {
          const cell = { version, variant, scenario };
          const expected = committed.cells[cellKey(cell)];
          expect(
            expected,
            `docs/session-matrix.json has no clerk-js cell "${cellKey(cell)}": run npm run matrix -- --clerk-js`,
          ).toBeDefined();
          const outcome = await runClerkJsCell(cell);
          expect(outcome.error).toBeUndefined();
          expect(outcome.result).toBe(expected!.result);
        });
      }
    }
  });
}
