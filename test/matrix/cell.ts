import { expoDist, type ExpoDist, type Variant } from '../harness/expo/expo-dist.ts';
import type { NativeScenario } from '../harness/expo/scenario.ts';
import { alternativeReadings, applyReadings, readingsLabel, type Readings } from './readings.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { bridgeFor, type Bridge } from '../harness/expo/native-module.ts';
import { runLoadedScenario, type Outcome } from '../harness/expo/run-scenario.ts';
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
  /**
   * The verdict under other readings of the fakes' assumed rules, where it differs from `result`
   * (key: readingsLabel, e.g. `token-on-ended-session=404`). Absent: no assumed rule decided
   * anything in this cell, or none changes its verdict.
   */
  readings?: Record<string, CellResult>;
}

/** Native bridge generations whose native side the harness models (native-module.ts). */
const MODELLED: readonly Bridge[] = ['session', 'client-token', 'device-token'];

/**
 * Runs one cell in a world of its own (server, clock, network) on a fresh device, under the fakes'
 * default readings; then again under the other readings of every assumed rule that decided
 * something in that run (readings.ts). Never throws: a failure is an `error` cell.
 */
export async function runCell(spec: CellSpec): Promise<CellOutcome> {
  const scenario = loadMatrixScenario(spec.scenario);
  const skipped = notApplicable(spec.version, scenario);
  if (skipped) return { ...spec, result: skipped };
  const dist = await expoDist(spec.version, spec.variant);
  const first = await runOnce(spec, scenario, dist, {});
  if (first.result === 'error' || first.result === '—')
    return { ...spec, result: first.result, ...(first.error ? { error: first.error } : {}) };
  const readings: Record<string, CellResult> = {};
  for (const alt of alternativeReadings(first.assumed)) {
    const other = await runOnce(spec, scenario, dist, alt);
    if (other.result !== first.result) readings[readingsLabel(alt)] = other.result;
  }
  return { ...spec, result: first.result, ...(Object.keys(readings).length > 0 ? { readings } : {}) };
}

/** `—` or `not modelled` when the scenario cannot run on this version (a native scenario without, or with an unmodelled, native bridge). */
export function notApplicable(version: string, scenario: NativeScenario): CellResult | undefined {
  const bridge = bridgeFor(version);
  if (scenario.native && bridge === 'none') return '—';
  if (scenario.native && !MODELLED.includes(bridge)) return 'not modelled';
  return undefined;
}

export interface OneRun {
  result: CellResult;
  error?: string;
  /** Assumed rules whose reading decided something in this run. */
  assumed: string[];
}

/**
 * One run of a cell under `alt` readings. `observe` sees the world and the outcome before the
 * world closes (`npm run repro` prints the timeline from them).
 */
export async function runOnce(
  spec: CellSpec,
  base: NativeScenario,
  dist: ExpoDist,
  alt: Readings,
  observe?: (world: DeviceWorld, outcome: Outcome) => void,
): Promise<OneRun> {
  const { scenario, world: options } = applyReadings(base, alt);
  const world = await DeviceWorld.open(options);
  try {
    const outcome = await runLoadedScenario(world, scenario, dist, deviceOptions(spec.version, dist.variant));
    const assumed = [...world.fapi.assumedRulesApplied, ...outcome.device.store.assumedRulesApplied];
    observe?.(world, outcome);
    return { result: verdict(scenario, outcome), assumed };
  } catch (err) {
    // 3.4.2–3.7.8 on Android import their native module with requireNativeModule: without it (the JS-only
    // configuration) the app cannot start, so the JS-only scenario does not apply there.
    if (!scenario.native && /Cannot find native module 'ClerkExpo'/.test((err as Error).message)) return { result: '—', assumed: [] };
    return { result: 'error', error: (err as Error).message.split('\n').slice(0, 3).join(' '), assumed: [] };
  } finally {
    await world.close();
  }
}
