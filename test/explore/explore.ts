import crypto from 'node:crypto';
import v8 from 'node:v8';
import fc from 'fast-check';
import { expoDist, type ExpoDist, type Variant } from '../harness/expo/expo-dist.ts';
import type { Life } from './life.ts';
import type { Step } from '../harness/expo/scenario.ts';
import { deviceOptions } from '../matrix/device-config.ts';
import { configLabel, startConfigs, startModel, toScenario, type StartConfig } from './config.ts';
import { EVENTS, eventOf, possibleSteps, type LifeEvent, type Model } from './events.ts';
import { EXAMPLES } from './examples.ts';
import type { InvariantId } from './invariants.ts';
import { Violation, startLife, type KnownCheck } from './life.ts';
import { confirmInFreshProcess } from './replay.ts';

/** At most this many events in one life (fast-check shrinks failing lives to the fewest). */
export const MAX_EVENTS = 10;

/** Kinds of event drawn with one weight between them, so three token refusals or three suspensions do not crowd out the rest. */
const family = (step: string): string =>
  /^token-40\d-once$/.test(step)
    ? 'token-refused'
    : step.endsWith('-on-server')
      ? 'server-ends'
      : step.startsWith('suspend-')
        ? 'suspend'
        : step;

/** One event: a family drawn uniformly, then one of its events. */
function eventCommands(): fc.Arbitrary<StepCommand> {
  const families = new Map<string, LifeEvent[]>();
  for (const e of EVENTS) families.set(family(e.step), [...(families.get(family(e.step)) ?? []), e]);
  return fc.oneof(...[...families.values()].map((events) => fc.constantFrom(...events.map((e) => new StepCommand(e)))));
}
/** Lives per fast-check run (one seed each); between runs a worker may retire to give memory back. */
export const CHUNK = 25;

/** One distinct failure: an invariant broken by a shrunk life on one version and variant. */
export interface Finding {
  /** Stable: a hash of invariant + start configuration + shrunk steps. */
  id: string;
  invariant: InvariantId;
  detail: string;
  version: string;
  variant: Variant;
  config: StartConfig;
  configLabel: string;
  steps: Step[];
  /** fast-check's seed and counterexample path (`fc.check(..., { seed, path })` replays it). */
  seed: number;
  path?: string;
  /** Shrinking was cut short by the time limit (the steps may not be minimal). */
  shrinkInterrupted: boolean;
  /**
   * The shrunk life replayed in a fresh process: `reproduced` (the same invariant breaks), or not —
   * then the failure depended on the lives run before it in the explorer's process (a harness
   * fault, not the app's).
   */
  freshProcess: string;
  /** Patched findings: the same life on the pristine build breaks the same invariant (false: patched is worse). */
  pristineAlso?: boolean;
  /** The matrix's verdict of the life as a scenario (kept, lost, stuck, …). */
  matrixVerdict: string;
  timeline: string[];
}

export const findingKey = (invariant: string, label: string, steps: readonly string[]): string =>
  `${invariant}|${label}|${steps.join(',')}`;
export const findingId = (invariant: string, label: string, steps: readonly string[]): string =>
  crypto
    .createHash('sha256')
    .update(findingKey(invariant, label, steps))
    .digest('hex')
    .slice(0, 10);

/** What a known finding must share with a life to count as the same: the platform and whether the native module is there ("ios native", "android js-only"). */
export const configClass = (label: string): string => label.split(' (')[0]!;

/** `needle` occurs in `hay` in order (not necessarily next to each other). */
export function isSubsequence(needle: readonly string[], hay: readonly string[]): boolean {
  let i = 0;
  for (const h of hay) if (i < needle.length && h === needle[i]) i++;
  return i === needle.length;
}

class StepCommand implements fc.AsyncCommand<Model, Life> {
  constructor(readonly event: LifeEvent) {}
  check(m: Readonly<Model>): boolean {
    return this.event.when(m);
  }
  async run(m: Model, life: Life): Promise<void> {
    await life.do(this.event.step);
    Object.assign(m, this.event.next(m));
  }
  toString(): string {
    return this.event.step;
  }
}

export interface LaneSpec {
  version: string;
  variant: Variant;
  /** fast-check seed of the lane's first run; run k uses seed + k. */
  seed: number;
  /** Index of the first run (a retired worker's successor goes on from there). */
  firstChunk?: number;
  /** Lives to explore in this lane (default: until the deadline). */
  lives?: number;
  /** Epoch ms after which no new life starts and shrinking stops. */
  deadline?: number;
  /** Findings already known on this version and variant: lives that only repeat them are counted, not shrunk again. */
  known?: Pick<Finding, 'id' | 'invariant' | 'configLabel' | 'steps'>[];
  /** Stop when the heap passes this share of its limit (a worker gives memory back by exiting). */
  retireAtHeapShare?: number;
  /** false: no example lives (examples.ts) before the generated ones. */
  examples?: boolean;
}

export interface LaneProgress {
  lives: number;
  /** Lives run while shrinking (included in `lives`). */
  shrinkLives: number;
  knownHits: number;
  chunk: number;
}

export interface LaneResult extends LaneProgress {
  findings: Finding[];
  retired: boolean;
  ms: number;
  /** CPU time of this process (user + system), ms: lives per CPU second do not depend on how busy the machine is. */
  cpuMs: number;
}

/**
 * Explores one (version, variant): fast-check runs of CHUNK lives each (seed, seed+1, …); a failing
 * run is shrunk by fast-check, recorded as a Finding (replayed for its timeline, its matrix verdict
 * and, on patched, on the pristine build), and exploration goes on with the next seed, treating
 * lives that contain a known finding's steps as known.
 */
export async function exploreLane(
  spec: LaneSpec,
  events: { progress?(p: LaneProgress): void; finding?(f: Finding): void } = {},
): Promise<LaneResult> {
  const started = Date.now();
  const cpuStart = process.cpuUsage();
  const dist = await expoDist(spec.version, spec.variant);
  const options = deviceOptions(spec.version, dist.variant);
  const known = [...(spec.known ?? [])];
  const knownCheck =
    (c: StartConfig): KnownCheck =>
    (invariant, steps) =>
      known.find(
        (k) => k.invariant === invariant && configClass(k.configLabel) === configClass(configLabel(c)) && isSubsequence(k.steps, steps),
      )?.id;
  const progress: LaneProgress = { lives: 0, shrinkLives: 0, knownHits: 0, chunk: spec.firstChunk ?? 0 };
  let shrinking = false;
  const property = fc.asyncProperty(
    startConfigs(spec.version),
    fc.commands([eventCommands()], { maxCommands: MAX_EVENTS }),
    async (config, cmds) => {
      progress.lives++;
      if (shrinking) progress.shrinkLives++;
      const life = await startLife(config, dist, options, knownCheck(config)).catch((err: unknown) => {
        shrinking = true;
        throw err;
      });
      try {
        await fc.asyncModelRun(() => ({ model: startModel(config), real: life }), cmds);
      } catch (err) {
        // Every life fast-check runs after the first failure of a run is a shrinking attempt.
        shrinking = true;
        throw err;
      } finally {
        await life.close();
        if (life.knownHit) progress.knownHits++;
      }
    },
  );
  const findings: Finding[] = [];
  let livesLeft = spec.lives ?? Number.POSITIVE_INFINITY;
  const retireAt = spec.retireAtHeapShare ?? 1;
  let retired = false;
  // A fresh lane first runs the example lives (examples.ts), one fast-check run each (a run
  // reports one failure), so each example's failure is recorded.
  if ((spec.firstChunk ?? 0) === 0 && spec.examples !== false)
    for (const example of EXAMPLES) {
      const commands = example.steps.map((s) => new StepCommand(eventOf(s)));
      shrinking = false;
      const details = await fc.check(property, { seed: spec.seed, numRuns: 1, examples: [[example.config, commands]] });
      if (details.failed && details.counterexample) {
        const finding = await recordFinding(spec, dist, example.config, commands, details.errorInstance, spec.seed, {
          path: null,
          interrupted: false,
        });
        if (finding) {
          findings.push(finding);
          known.push(finding);
          events.finding?.(finding);
        }
      }
    }
  while (livesLeft > 0 && (spec.deadline === undefined || Date.now() < spec.deadline)) {
    const heap = v8.getHeapStatistics();
    if (heap.used_heap_size > retireAt * heap.heap_size_limit) {
      retired = true;
      break;
    }
    const seed = spec.seed + progress.chunk;
    const numRuns = Math.min(CHUNK, livesLeft);
    const before = progress.lives - progress.shrinkLives;
    shrinking = false;
    const details = await fc.check(property, {
      seed,
      numRuns,
      ...(spec.deadline !== undefined
        ? { interruptAfterTimeLimit: Math.max(1, spec.deadline - Date.now()), markInterruptAsFailure: false }
        : {}),
    });
    progress.chunk++;
    livesLeft -= progress.lives - progress.shrinkLives - before;
    if (details.failed && details.counterexample) {
      const [config, cmds] = details.counterexample;
      const finding = await recordFinding(
        spec,
        dist,
        config,
        [...cmds].map((c) => (c as unknown as { cmd?: StepCommand }).cmd ?? (c as unknown as StepCommand)),
        details.errorInstance,
        seed,
        {
          path: details.counterexamplePath,
          interrupted: details.interrupted,
        },
      );
      if (finding) {
        findings.push(finding);
        known.push(finding);
        events.finding?.(finding);
      }
    }
    events.progress?.(progress);
    if (!details.failed && details.interrupted) break;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { ...progress, findings, retired, ms: Date.now() - started, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
}

async function recordFinding(
  spec: LaneSpec,
  dist: ExpoDist,
  config: StartConfig,
  cmds: StepCommand[],
  error: unknown,
  seed: number,
  details: { path: string | null; interrupted: boolean },
): Promise<Finding | undefined> {
  if (!(error instanceof Violation)) return undefined;
  const all = possibleSteps(
    startModel(config),
    cmds.map((c) => c.event.step),
  );
  const steps = error.step < 0 ? [] : all.slice(0, error.step + 1);
  const label = configLabel(config);
  // Confirmed in a process of its own: a verdict must not depend on the lives that ran before it.
  const fresh = await confirmInFreshProcess({ version: spec.version, variant: dist.variant, config, steps });
  return {
    id: findingId(error.invariant, label, steps),
    invariant: error.invariant,
    detail: error.detail,
    version: spec.version,
    variant: dist.variant,
    config,
    configLabel: label,
    steps,
    seed,
    ...(details.path ? { path: details.path } : {}),
    shrinkInterrupted: details.interrupted,
    freshProcess:
      fresh.violation?.invariant === error.invariant
        ? 'reproduced'
        : fresh.violation
          ? `broke ${fresh.violation.invariant} instead`
          : 'not reproduced',
    ...(fresh.pristine !== undefined ? { pristineAlso: fresh.pristine?.invariant === error.invariant } : {}),
    matrixVerdict: fresh.matrixVerdict,
    timeline: fresh.timeline,
  };
}
