import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { bridgeFor, type Bridge } from '../harness/expo/native-module.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import { loadMatrixScenario } from './scenarios.ts';
import { deviceOptions } from './device-config.ts';
import { verdict, type CellResult } from './verdict.ts';

/** One cell of the session-loss matrix: a scenario on one @clerk/expo version, pristine or patched. */
export interface CellSpec {
  version: string;
  variant: Variant;
  scenario: string;
}
export interface CellOutcome extends CellSpec {
  result: CellResult;
  /** For `error`: the message. */
  error?: string;
}

/** Native bridge generations whose native side the harness models (native-module.ts). */
const MODELLED: readonly Bridge[] = ['session', 'client-token', 'device-token'];

/** Runs one cell in a world of its own (server, clock, network) on a fresh device; never throws (a failure is an `error` cell). */
export async function runCell(spec: CellSpec): Promise<CellOutcome> {
  const scenario = loadMatrixScenario(spec.scenario);
  const bridge = bridgeFor(spec.version);
  if (scenario.native && bridge === 'none') return { ...spec, result: '—' };
  if (scenario.native && !MODELLED.includes(bridge)) return { ...spec, result: 'not modelled' };
  const dist = await expoDist(spec.version, spec.variant);
  const world = await DeviceWorld.open();
  try {
    const outcome = await runLoadedScenario(world, scenario, dist, deviceOptions(spec.version, dist.variant));
    return { ...spec, result: verdict(scenario, outcome) };
  } catch (err) {
    // 3.4.2–3.7.8 on Android import their native module with requireNativeModule: without it (the JS-only
    // configuration) the app cannot start, so the JS-only scenario does not apply there.
    if (!scenario.native && /Cannot find native module 'ClerkExpo'/.test((err as Error).message)) return { ...spec, result: '—' };
    return { ...spec, result: 'error', error: (err as Error).message.split('\n').slice(0, 3).join(' ') };
  } finally {
    await world.close();
  }
}
