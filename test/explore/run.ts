import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs as nodeParseArgs } from 'node:util';
import semver from 'semver';
import { listVersions } from '../../scripts/produce/npm-registry.ts';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { hasShippedPatch, type Variant } from '../harness/expo/expo-dist.ts';
import type { Finding, LaneProgress, LaneSpec } from './explore.ts';
import { mergeFindings, readStore, readTriage, untriagedPatched, writeAll } from './findings.ts';

/**
 * `npm run explore` — the session-lifecycle explorer: random lives of an app (start
 * configurations × sequences of events, test/explore/events.ts) on the simulated device, generated
 * and shrunk by fast-check's model-based testing, checked against the invariants of
 * test/explore/README.md, on each @clerk/expo version and variant.
 *
 *   npm run explore -- [--versions 4.6.6,3.2.7] [--variant pristine|patched|both]
 *                      [--runs N | --minutes M] [--seed S] [--jobs N] [--json]
 *
 * --runs: lives per (version, variant) lane (default 200 when --minutes is not given); --minutes:
 * the whole run's wall-clock budget, shared by the lanes. --seed: fast-check's seed of each lane's
 * first run (run k uses seed + k; default: from the clock, printed). Lanes run in worker processes,
 * at most --jobs at once (default: one per core, at most 2); a worker keeps its version's loaded
 * dist and dependency set for all its lives. Findings merge into docs/explorer.json, a repro per
 * finding is written to fixtures/explorer/<id>.json, and docs/explorer.md's findings section is
 * regenerated with the triage of test/explore/triage.json. Progress on stderr; --json prints this
 * run's findings on stdout. Exit 0: no property failed on patched; 1: one did; 2: the run could not
 * start or a worker failed.
 */
const WORKER = path.resolve(import.meta.dirname, 'worker.ts');
const RANGE = '>=3.0.0 <5.0.0';
const KNOWN = '--versions a,b --variant pristine|patched|both --runs N --minutes M --seed S --jobs N --json';

export interface Args {
  versions?: string[];
  variant: 'pristine' | 'patched' | 'both';
  runs?: number;
  minutes?: number;
  seed: number;
  jobs: number;
  json: boolean;
}

export function parseArgs(argv: string[]): Args {
  let values;
  try {
    ({ values } = nodeParseArgs({
      args: argv,
      options: {
        versions: { type: 'string' },
        variant: { type: 'string', default: 'both' },
        runs: { type: 'string' },
        minutes: { type: 'string' },
        seed: { type: 'string' },
        jobs: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    const e = err as Error & { code?: string };
    const option = /'([^' ]+)/.exec(e.message)?.[1] ?? '';
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new Error(`unknown option ${option} (known: ${KNOWN})`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new Error(`${option} needs a value (known: ${KNOWN})`);
    throw err;
  }
  const variant = values.variant;
  if (variant !== 'pristine' && variant !== 'patched' && variant !== 'both')
    throw new Error(`--variant is pristine, patched or both (got "${variant}")`);
  const positive = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(n > 0)) throw new Error(`--${name} needs a positive number (got "${v}")`);
    return n;
  };
  const runs = positive('runs', values.runs);
  const minutes = positive('minutes', values.minutes);
  if (runs !== undefined && minutes !== undefined) throw new Error('give --runs or --minutes, not both');
  const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed needs an integer (got "${values.seed}")`);
  const versions = values.versions
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    ...(versions ? { versions } : {}),
    variant,
    ...(runs !== undefined ? { runs: Math.floor(runs) } : minutes !== undefined ? { minutes } : { runs: 200 }),
    seed,
    jobs: Math.max(1, Math.floor(positive('jobs', values.jobs) ?? Math.min(os.availableParallelism(), 2))),
    json: values.json,
  };
}

interface Lane {
  version: string;
  variant: Variant;
}

interface LaneTotals extends LaneProgress {
  findings: Finding[];
  /** CPU time of the lane's workers (ms). */
  cpuMs: number;
}

/** Runs one lane to its end (lives or deadline), starting a successor worker whenever one retires. */
async function runLane(lane: Lane, spec: Omit<LaneSpec, 'version' | 'variant'>, log: (line: string) => void): Promise<LaneTotals> {
  const totals: LaneTotals = { lives: 0, shrinkLives: 0, knownHits: 0, chunk: spec.firstChunk ?? 0, findings: [], cpuMs: 0 };
  const name = `${lane.version} ${lane.variant}`;
  for (;;) {
    const livesLeft = spec.lives === undefined ? undefined : spec.lives - (totals.lives - totals.shrinkLives);
    if (livesLeft !== undefined && livesLeft <= 0) break;
    if (spec.deadline !== undefined && Date.now() >= spec.deadline) break;
    const known = [...(spec.known ?? []), ...totals.findings];
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        WORKER,
        JSON.stringify({ ...lane, ...spec, firstChunk: totals.chunk, known, ...(livesLeft !== undefined ? { lives: livesLeft } : {}) }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let base = { ...totals };
    let done: { retired: boolean; cpuMs: number } | undefined;
    let failure: string | undefined;
    const stderr: string[] = [];
    child.stderr.on('data', (d: Buffer) => {
      stderr.push(d.toString());
      if (stderr.length > 20) stderr.shift();
    });
    for await (const line of readline.createInterface({ input: child.stdout, crlfDelay: Infinity })) {
      const m = /^@@(\w+) (.*)$/.exec(line);
      if (!m) continue;
      const value = JSON.parse(m[2]!) as Record<string, unknown>;
      if (m[1] === 'progress') {
        const p = value as unknown as LaneProgress;
        Object.assign(totals, {
          lives: base.lives + p.lives,
          shrinkLives: base.shrinkLives + p.shrinkLives,
          knownHits: base.knownHits + p.knownHits,
          chunk: p.chunk,
        });
        log(
          `${name}: ${totals.lives} lives (${totals.shrinkLives} shrinking, ${totals.knownHits} known), ${totals.findings.length} finding(s)`,
        );
      } else if (m[1] === 'finding') {
        const f = value as unknown as Finding;
        totals.findings.push(f);
        log(`${name}: FINDING ${f.id} ${f.invariant} — ${f.configLabel}: ${f.steps.join(' → ') || '(first launch)'} — ${f.detail}`);
      } else if (m[1] === 'done') done = value as unknown as { retired: boolean; cpuMs: number };
      else if (m[1] === 'error') failure = String(value.message);
    }
    const code: number = await new Promise((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (c) => resolve(c ?? 2)),
    );
    if (failure || code !== 0 || !done)
      throw new Error(`the ${name} worker failed (exit ${code}): ${failure ?? stderr.join('').split('\n').slice(-5).join(' ')}`);
    totals.cpuMs += done.cpuMs;
    base = { ...totals };
    if (!done.retired) break;
    log(`${name}: worker retired (memory); a new one goes on from run ${totals.chunk}`);
  }
  return totals;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const served = (await listVersions('@clerk/expo')).map((v) => v.version).filter((v) => semver.satisfies(v, RANGE));
  const versions = args.versions ?? [served[served.length - 1]!];
  const unknown = versions.filter((v) => !served.includes(v));
  if (unknown.length > 0)
    throw new Error(`not a served @clerk/expo 3.x/4.x version: ${unknown.join(', ')} (newest: ${served[served.length - 1]})`);
  for (const v of versions) await dependencySet(v);
  const variants: Variant[] = args.variant === 'both' ? ['pristine', 'patched'] : [args.variant];
  const lanes: Lane[] = versions.flatMap((version) =>
    variants.filter((variant) => variant === 'pristine' || hasShippedPatch(version)).map((variant) => ({ version, variant })),
  );
  if (lanes.length === 0) throw new Error(`no lane to run: none of ${versions.join(', ')} ships a patch (try --variant pristine or both)`);
  const store = readStore();
  const started = Date.now();
  const laneMs = args.minutes !== undefined ? (args.minutes * 60_000 * Math.min(args.jobs, lanes.length)) / lanes.length : undefined;
  process.stderr.write(
    `explore: ${lanes.length} lane(s) (${lanes.map((l) => `${l.version} ${l.variant}`).join(', ')}), ${args.runs !== undefined ? `${args.runs} lives each` : `${(laneMs! / 60_000).toFixed(1)} min each`}, ${Math.min(args.jobs, lanes.length)} at once, seed ${args.seed}\n`,
  );
  const results: LaneTotals[] = [];
  let next = 0;
  const pool = async () => {
    while (next < lanes.length) {
      const lane = lanes[next++]!;
      const known = Object.values(store.findings).filter((f) =>
        f.occurrences.some((o) => o.version === lane.version && o.variant === lane.variant),
      );
      results.push(
        await runLane(
          lane,
          {
            seed: args.seed,
            ...(args.runs !== undefined ? { lives: args.runs } : {}),
            ...(laneMs !== undefined ? { deadline: Date.now() + laneMs } : {}),
            known: known.map(({ id, invariant, configLabel, steps }) => ({ id, invariant, configLabel, steps })),
          },
          (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}\n`),
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, lanes.length) }, pool));
  const findings = results.flatMap((r) => r.findings);
  const lives = results.reduce((n, r) => n + r.lives, 0);
  const shrinkLives = results.reduce((n, r) => n + r.shrinkLives, 0);
  const minutes = (Date.now() - started) / 60_000;
  const cpuSecondsPerLife = lives ? results.reduce((n, r) => n + r.cpuMs, 0) / 1000 / lives : 0;
  const jobs = Math.min(args.jobs, lanes.length);
  const merged = mergeFindings(store, findings);
  merged.runs = [
    ...store.runs,
    {
      date: new Date().toISOString().slice(0, 16) + 'Z',
      versions,
      variants,
      lives,
      shrinkLives,
      minutes: Math.round(minutes * 10) / 10,
      livesPerMinute: Math.round(lives / minutes),
      cpuSecondsPerLife: Math.round(cpuSecondsPerLife * 1000) / 1000,
      jobs,
      findings: new Set(findings.map((f) => f.id)).size,
    },
  ].slice(-20);
  const triage = readTriage();
  writeAll(merged, triage);
  const patched = findings.filter((f) => f.variant === 'patched');
  const untriaged = untriagedPatched(merged, triage);
  process.stderr.write(
    `explore: ${lives} lives (${shrinkLives} shrinking) in ${minutes.toFixed(1)} min = ${Math.round(lives / minutes)} lives/min (${cpuSecondsPerLife.toFixed(2)} CPU s a life: ${Math.round((60 / cpuSecondsPerLife) * jobs)} lives/min on ${jobs} idle core(s)); ${new Set(findings.map((f) => f.id)).size} distinct finding(s), ${patched.length} on patched${untriaged.length ? `; untriaged patched findings: ${untriaged.join(', ')} (triage them in test/explore/triage.json)` : ''}; docs/explorer.md regenerated\n`,
  );
  if (args.json) process.stdout.write(JSON.stringify({ lives, minutes, findings }, null, 2) + '\n');
  if (patched.length > 0) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err: Error) => {
    process.stderr.write(`explore: ${err.message}\n`);
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ error: err.message }) + '\n');
    process.exitCode = 2;
  });
}
