import { expoDist } from '../harness/expo/expo-dist.ts';
import { runFacts, type RunFacts } from '../harness/expo/facts.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import type { CellSpec } from './cell.ts';
import { deviceOptions } from './device-config.ts';
import { loadMatrixScenario } from './scenarios.ts';
import { verdict } from './verdict.ts';

/** One matrix cell under the default readings, with every fact of its run (facts.ts) and its verdict. */
export async function cellFacts(spec: CellSpec): Promise<RunFacts | { error: string }> {
  const scenario = loadMatrixScenario(spec.scenario);
  const dist = await expoDist(spec.version, spec.variant);
  const world = await DeviceWorld.open();
  try {
    const outcome = await runLoadedScenario(world, scenario, dist, deviceOptions(spec.version, dist.variant));
    return runFacts(outcome, world, verdict(scenario, outcome));
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0]! };
  } finally {
    await world.close();
  }
}
