import { spawn } from 'node:child_process';
import path from 'node:path';
import type { DeviceOptions } from '../harness/expo/device.ts';
import { expoDist, type ExpoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import type { Step } from '../harness/expo/scenario.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { deviceOptions } from '../matrix/device-config.ts';
import { verdict } from '../matrix/verdict.ts';
import { toScenario, type StartConfig } from './config.ts';
import type { InvariantId } from './invariants.ts';
import { Violation, startLife, type Life } from './life.ts';

/**
 * Replays one shrunk life: its first violation and timeline, the session matrix's verdict of it as
 * a scenario, and (patched) whether the pristine build breaks the same invariant. Run as a script
 * (`node --import tsx test/explore/replay.ts <json>`) it does so in a process of its own and prints
 * `@@replay <json>`: a finding is confirmed only where nothing ran before it.
 */
export interface ReplaySpec {
  version: string;
  variant: Variant;
  config: StartConfig;
  steps: Step[];
}
export interface ReplayResult {
  violation?: { invariant: InvariantId; detail: string };
  timeline: string[];
  matrixVerdict: string;
  /** Patched only: pristine's first violation (null: none). */
  pristine?: { invariant: InvariantId; detail: string } | null;
}

/** Runs one life with the given steps (each possible in turn); its first violation and its timeline. */
export async function replayLife(
  config: StartConfig,
  steps: readonly Step[],
  dist: ExpoDist,
  options: DeviceOptions,
): Promise<{ violation?: Violation; timeline: string[] }> {
  let life: Life | undefined;
  try {
    life = await startLife(config, dist, options);
    for (const step of steps) await life.do(step);
    return { timeline: life.timeline() };
  } catch (err) {
    if (!(err instanceof Violation)) throw err;
    return { violation: err, timeline: life?.timeline() ?? err.timeline ?? [`▶ launch: ${err.message}`] };
  } finally {
    await life?.close();
  }
}

/** The session matrix's verdict (test/matrix/verdict.ts) of the life as a scenario; `error: …` when the harness cannot run it. */
export async function matrixVerdict(config: StartConfig, steps: readonly Step[], dist: ExpoDist, options: DeviceOptions): Promise<string> {
  const scenario = toScenario(config, steps, 'explore', '');
  const world = await DeviceWorld.open();
  try {
    return verdict(scenario, await runLoadedScenario(world, scenario, dist, options));
  } catch (err) {
    return `error: ${(err as Error).message.split('\n')[0]!.slice(0, 160)}`;
  } finally {
    await world.close();
  }
}

const brief = (v: Violation | undefined) => (v ? { invariant: v.invariant, detail: v.detail } : undefined);

export async function replay(spec: ReplaySpec): Promise<ReplayResult> {
  const dist = await expoDist(spec.version, spec.variant);
  const options = deviceOptions(spec.version, dist.variant);
  const own = await replayLife(spec.config, spec.steps, dist, options);
  const result: ReplayResult = {
    ...(own.violation ? { violation: brief(own.violation)! } : {}),
    timeline: own.timeline,
    matrixVerdict: await matrixVerdict(spec.config, spec.steps, dist, options),
  };
  if (dist.variant === 'patched') {
    const pristine = await expoDist(spec.version, 'pristine');
    const other = await replayLife(spec.config, spec.steps, pristine, deviceOptions(spec.version, pristine.variant));
    result.pristine = brief(other.violation) ?? null;
  }
  return result;
}

/** `replay(spec)` in a fresh Node process. */
export async function confirmInFreshProcess(spec: ReplaySpec): Promise<ReplayResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, 'replay.ts'), JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 2)));
  const line = out.split('\n').find((l) => l.startsWith('@@replay '));
  if (!line) return { timeline: [`(the replay process failed, exit ${code})`], matrixVerdict: `error: replay exit ${code}` };
  return JSON.parse(line.slice('@@replay '.length)) as ReplayResult;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const result = await replay(JSON.parse(process.argv[2]!) as ReplaySpec);
  process.stdout.write(`@@replay ${JSON.stringify(result)}\n`);
  process.exit(0);
}
