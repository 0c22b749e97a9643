import { beforeAll, describe, expect, it } from 'vitest';
import { dependencySet } from '../../harness/expo/dependency-set.ts';
import { hasShippedPatch } from '../../harness/expo/expo-dist.ts';
import { bridgeFor } from '../../harness/expo/native-module.ts';
import { runCell } from '../cell.ts';
import { loadMatrixScenario, matrixScenarioNames } from '../scenarios.ts';
import { cellKey, readStore } from '../store.ts';

/**
 * The CI slice of the session-loss matrix: one @clerk/expo version per native bridge generation,
 * every scenario, pristine and patched. Each cell must equal the committed
 * docs/session-matrix.json: a behaviour change (ours or the registry's) fails here, and
 * `npm run matrix` regenerates the table. The full matrix is the maintainer's command.
 * One test file per version (this folder), so that vitest's workers share the slice.
 */
// 4.0.2 adds the last version Fix G patches on the device-token bridge: a guard that keeps a
// signed-in JS client must still let a session the server ended go (revoked/expired scenarios).
export const SLICE = ['3.0.1', '3.2.7', '3.4.3', '4.0.2', '4.6.6'] as const;

/** Every scenario of the matrix on one version, pristine and (when a patch ships) patched. */
export function sliceCells(version: (typeof SLICE)[number]): void {
  const store = readStore();
  beforeAll(() => dependencySet(version));
  describe(`@clerk/expo ${version} (${bridgeFor(version)})`, () => {
    for (const variant of hasShippedPatch(version) ? (['pristine', 'patched'] as const) : (['pristine'] as const)) {
      // Scenarios marked `ciSlice: false` have a behaviour test in CI instead (its cost is smaller than every slice version's cells).
      for (const scenario of matrixScenarioNames().filter((n) => loadMatrixScenario(n).ciSlice !== false)) {
        it(`${variant} ${scenario}`, async () => {
          const cell = { version, variant, scenario };
          const expected = store.cells[cellKey(cell)];
          expect(expected, `docs/session-matrix.json has no cell "${cellKey(cell)}": run npm run matrix`).toBeDefined();
          const outcome = await runCell(cell);
          expect(outcome.error).toBeUndefined();
          expect(outcome.result).toBe(expected!.result);
        });
      }
    }
  });
}
