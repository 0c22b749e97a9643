import { expoDist } from '../harness/expo/expo-dist.ts';
import { runFacts, type RunFacts } from '../harness/expo/facts.ts';
import { notApplicable, runOnce, type CellSpec } from './cell.ts';
import { loadMatrixScenario } from './scenarios.ts';

/**
 * One matrix cell under the default readings, run as the matrix runs it (cell.ts `runOnce`), with
 * every fact of its run (facts.ts) and its verdict; `{ error }` when it did not run.
 */
export async function cellFacts(spec: CellSpec): Promise<RunFacts | { error: string }> {
  const scenario = loadMatrixScenario(spec.scenario);
  const skipped = notApplicable(spec.version, scenario);
  if (skipped) return { error: `not run: ${skipped}` };
  const dist = await expoDist(spec.version, spec.variant);
  let facts: RunFacts | undefined;
  const run = await runOnce(spec, scenario, dist, {}, (world, outcome) => void (facts = runFacts(outcome, world)));
  return facts ? { ...facts, verdict: run.result } : { error: run.error ?? run.result };
}
