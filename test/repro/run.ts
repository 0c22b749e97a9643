import { pathToFileURL } from 'node:url';
import type { FixMeta } from '../../scripts/core/fix.ts';
import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { notApplicable, runOnce } from '../matrix/cell.ts';
import { readingsLabel } from '../matrix/readings.ts';
import { loadMatrixScenario } from '../matrix/scenarios.ts';
import type { CellResult } from '../matrix/verdict.ts';
import { checkVersion, reproCells, resolveFix, ReproUsageError, type ReproCell } from './cells.ts';
import { collectTimeline, renderEvent, type ReproEvent } from './timeline.ts';

/**
 * `npm run repro -- <fix-id|letter> <version> [--variant pristine|patched|both] [--scenario a,b] [--json]`
 *
 * Reproduces one fix's bug on the real published @clerk/expo: runs the fix's session-matrix
 * scenarios (cells.ts) on that version, pristine and patched, each on a fresh simulated device
 * against the fake Frontend API (the matrix's cell code, test/matrix/cell.ts), and prints per
 * variant the timeline (requests, secure-store calls, native calls, JS auth states) and the
 * verdict. Progress goes to stderr; --json prints the cells on stdout and nothing else there.
 * Exit 0: every patched cell ends as its scenario expects; 1: one does not (or a run failed);
 * 2: wrong arguments or a tool error.
 */
export interface ReproArgs {
  fix: FixMeta;
  version: string;
  variants: Variant[];
  scenarios?: string[];
  json: boolean;
}

export const USAGE =
  'usage: npm run repro -- <fix-id|letter> <version> [--variant pristine|patched|both] [--scenario name[,name]] [--json]';

export function parseReproArgs(argv: string[]): ReproArgs {
  const positional: string[] = [];
  let variant = 'both';
  let scenarios: string[] | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new ReproUsageError(`${a} needs a value. ${USAGE}`);
      return v;
    };
    if (a === '--variant') variant = value();
    else if (a === '--scenario' || a === '--scenarios')
      scenarios = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--json') json = true;
    else if (a.startsWith('--')) throw new ReproUsageError(`unknown option ${a}. ${USAGE}`);
    else positional.push(a);
  }
  if (positional.length !== 2) throw new ReproUsageError(`name a fix and a version. ${USAGE}`);
  if (!['pristine', 'patched', 'both'].includes(variant))
    throw new ReproUsageError(`--variant takes pristine, patched or both (not "${variant}"). ${USAGE}`);
  const variants: Variant[] = variant === 'both' ? ['pristine', 'patched'] : [variant as Variant];
  const fix = resolveFix(positional[0]!);
  const version = positional[1]!;
  checkVersion(fix, version, variants.includes('patched'));
  if (scenarios) {
    const mine = reproCells(fix).map((c) => c.scenario);
    const other = scenarios.filter((s) => !mine.includes(s));
    if (other.length)
      throw new ReproUsageError(`Fix ${fix.letter} has no scenario ${other.join(', ')}; its scenarios: ${[...new Set(mine)].join(', ')}`);
  }
  return { fix, version, variants, ...(scenarios ? { scenarios } : {}), json };
}

export interface ReproRun {
  scenario: string;
  /** Non-default readings of the fakes' assumed rules this cell ran under (`token-on-ended-session=404`), or ''. */
  readings: string;
  variant: Variant;
  /** What the user expects: `kept` (still signed in) or `signed out`. */
  expected: CellResult;
  verdict: CellResult;
  error?: string;
  events: ReproEvent[];
  /** What the device was signed in with at launch (the fake server's ids), or null when signed out. */
  signedInWith: { client: string; session: string } | null;
  /** Real seconds this run took (load of the version's files excluded). */
  seconds: number;
}

export interface ReproReport {
  fix: string;
  letter: string;
  version: string;
  runs: ReproRun[];
}

const progress = (line: string) => process.stderr.write(`repro: ${line}\n`);

export async function repro(args: ReproArgs, log: (line: string) => void = progress): Promise<ReproReport> {
  const cells = reproCells(args.fix).filter((c) => !args.scenarios || args.scenarios.includes(c.scenario));
  const runs: ReproRun[] = [];
  for (const variant of args.variants) {
    log(`loading @clerk/expo ${args.version} (${variant})…`);
    const dist = await expoDist(args.version, variant);
    for (const cell of cells) runs.push(await runOne(args, cell, variant, dist, log));
  }
  return { fix: args.fix.id, letter: args.fix.letter, version: args.version, runs };
}

async function runOne(
  args: ReproArgs,
  cell: ReproCell,
  variant: Variant,
  dist: Awaited<ReturnType<typeof expoDist>>,
  log: (line: string) => void,
): Promise<ReproRun> {
  const scenario = loadMatrixScenario(cell.scenario);
  const readings = readingsLabel(cell.readings);
  const expected: CellResult = scenario.expect === 'signed-out' ? 'signed out' : 'kept';
  const base = { scenario: cell.scenario, readings, variant, expected };
  const skipped = notApplicable(args.version, scenario);
  if (skipped) return { ...base, verdict: skipped, events: [], signedInWith: null, seconds: 0 };
  log(`${cell.scenario}${readings ? ` [${readings}]` : ''} on ${args.version} ${variant}…`);
  const started = Date.now();
  let events: ReproEvent[] = [];
  let signedInWith: ReproRun['signedInWith'] = null;
  const run = await runOnce(
    { version: args.version, variant, scenario: cell.scenario },
    scenario,
    dist,
    cell.readings,
    (world, outcome) => {
      events = collectTimeline(world.fapi, outcome);
      const session = outcome.device.initialSessionId;
      const client = session ? world.fapi.sessions.get(session)?.clientId : undefined;
      if (session && client) signedInWith = { client, session };
    },
  );
  const seconds = (Date.now() - started) / 1000;
  log(`  → ${run.result} (${seconds.toFixed(1)} s)`);
  return { ...base, verdict: run.result, ...(run.error ? { error: run.error } : {}), events, signedInWith, seconds };
}

/** A patched cell that does not end as its scenario expects (or failed to run). */
export const patchedFindings = (report: ReproReport): ReproRun[] =>
  report.runs.filter((r) => r.variant === 'patched' && r.verdict !== r.expected && r.verdict !== '—' && r.verdict !== 'not modelled');

export function renderReport(report: ReproReport): string {
  const out: string[] = [];
  const scenarios = [...new Set(report.runs.map((r) => `${r.scenario}\u0000${r.readings}`))];
  for (const key of scenarios) {
    const [name, readings] = key.split('\u0000') as [string, string];
    const s = loadMatrixScenario(name);
    out.push(
      `━━ Fix ${report.letter} (${report.fix}) · @clerk/expo ${report.version} · ${name}${readings ? ` · server reading ${readings}` : ''}`,
    );
    if (s.user) out.push(`   user: "${s.user}"`);
    out.push(`   what happens: ${s.description}`);
    out.push(
      `   steps after launch: ${(s.steps ?? []).join(', ') || '(none)'}; the user expects: ${s.expect === 'signed-out' ? 'signed out' : 'still signed in'}`,
    );
    for (const r of report.runs.filter((x) => x.scenario === name && x.readings === readings)) {
      out.push('', `── ${r.variant}`);
      if (r.verdict === '—' || r.verdict === 'not modelled') {
        out.push(`   ${r.verdict}: this scenario does not run on ${report.version} (no native module modelled for it)`);
        continue;
      }
      out.push(
        r.signedInWith
          ? `   launch: the device is signed in with ${r.signedInWith.client} (session ${r.signedInWith.session}); its JWT is in the secure store`
          : '   launch: the device is signed out',
      );
      for (const e of r.events) out.push(renderEvent(e));
      const mark = r.verdict === r.expected ? 'as the user expects' : `the user expects ${r.expected}`;
      out.push(`   verdict: ${r.verdict} (${mark})${r.error ? `: ${r.error}` : ''}`);
    }
    out.push('');
  }
  out.push('summary');
  for (const r of report.runs)
    out.push(
      `  ${r.variant.padEnd(8)} ${r.scenario}${r.readings ? ` [${r.readings}]` : ''}: ${r.verdict}${r.verdict === r.expected ? '' : ` (expected ${r.expected})`}`,
    );
  return out.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args: ReproArgs;
  try {
    args = parseReproArgs(argv);
  } catch (err) {
    if (!(err instanceof ReproUsageError)) throw err;
    process.stderr.write(`repro: ${err.message}\n`);
    return 2;
  }
  // The app's own console output (React, clerk-js warnings) is noise here: stderr, never stdout.
  const log = console.log;
  const info = console.info;
  console.log = console.info = (...a: unknown[]) => console.error(...a);
  let report: ReproReport;
  try {
    report = await repro(args);
  } finally {
    console.log = log;
    console.info = info;
  }
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`);
  const findings = patchedFindings(report);
  if (findings.length)
    progress(`${findings.length} patched cell(s) do not end as the user expects: ${findings.map((f) => f.scenario).join(', ')}`);
  return findings.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(
        `repro: ${err.stack ?? err.message}\nNext: check the registry is reachable (npm view @clerk/expo version) and rerun.\n`,
      );
      process.exit(2);
    },
  );
}
