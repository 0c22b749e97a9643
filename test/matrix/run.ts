import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { dependencyRanges, listVersions } from '../../scripts/produce/npm-registry.ts';
import { CLERK_JS, readManifest } from '../harness/clerk-bundle.ts';
import { hasShippedPatch } from '../harness/expo/expo-dist.ts';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import type { CellOutcome, CellSpec } from './cell.ts';
import { expoAllowing } from './clerk-js-expo.ts';
import { clerkJsScenarioNames } from './clerk-js-scenarios.ts';
import { matrixScenarioNames } from './scenarios.ts';
import { cellKey, readStore, writeStore, type MatrixStore } from './store.ts';
import { writeMatrixDoc, writeMatrixSvg } from './render.ts';
import { writeClerkJsSvg } from './render-clerk-js.ts';

/**
 * `npm run matrix` — the session-loss matrix: every scenario (fixtures/matrix/) × every
 * @clerk/expo 3.x/4.x version the registry serves × {pristine, patched where a patch ships};
 * and the clerk-js table: every clerk-js scenario (clerk-js-scenarios.ts) × every @clerk/clerk-js
 * 6.x version the registry serves × {pristine, patched where a clerk-js patch ships}, run headless.
 *
 *   npm run matrix                 (both tables)
 *   npm run matrix -- [--versions 3.2.7,4.6.6] [--scenarios js-reload-signed-in,…]   (the @clerk/expo table only)
 *   npm run matrix -- --clerk-js [--versions 6.0.0,6.7.1] [--scenarios background-stale-credentials,…]   (the clerk-js table only)
 *   … [--json] [--jobs N] [--missing] [--dry-run]   (--dry-run: run and report, write nothing; `npm run bench` times it)
 *   npm run matrix -- --render     (runs nothing: redraws the .md tables and the .svg pictures from the .json)
 *
 * Installs each version's dependency closure first (cached; offline once warm), then runs the
 * cells on worker processes (one per core, at most --jobs), printing a progress line per cell
 * on stderr. Results merge into docs/session-matrix.json (cells of a narrowed run replace only
 * those cells); docs/session-matrix.md is rewritten between its markers and docs/session-matrix.svg
 * drawn from the JSON; a rerun with no change rewrites no byte. --json prints the cells of this
 * run on stdout and nothing else there (`{ "error": … }` when the run cannot start); every other
 * line goes to stderr.
 */
const WORKER = path.resolve(import.meta.dirname, 'worker.ts');
const RANGE = '>=3.0.0 <5.0.0';
const CLERK_JS_RANGE = '>=6.0.0 <7.0.0';

interface Args {
  versions?: string[];
  scenarios?: string[];
  json: boolean;
  jobs: number;
  /** Only the cells docs/session-matrix.json does not have yet (or has as errors): resume an interrupted run. */
  missing: boolean;
  /** Run nothing: redraw docs/session-matrix.md and .svg from docs/session-matrix.json (no registry). */
  render: boolean;
  /** Only the clerk-js table (--versions and --scenarios then name clerk-js versions and clerk-js scenarios). */
  clerkJs: boolean;
  /** Run the cells and report them, but write nothing under docs/. */
  dryRun: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    json: false,
    missing: false,
    render: false,
    clerkJs: false,
    dryRun: false,
    jobs: Math.max(1, Math.min(os.availableParallelism(), 2)),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--versions')
      args.versions = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--scenarios')
      args.scenarios = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--json') args.json = true;
    else if (a === '--missing') args.missing = true;
    else if (a === '--render') args.render = true;
    else if (a === '--dry-run') args.dryRun = true;
    else if (a === '--clerk-js') args.clerkJs = true;
    else if (a === '--jobs') args.jobs = Math.max(1, Number(value()) || 1);
    else
      throw new Error(
        `unknown option ${a} (known: --clerk-js --versions a,b --scenarios x,y --json --jobs N --missing --render --dry-run)`,
      );
  }
  return args;
}

/** stdout as it was: with --json, everything else written to stdout goes to stderr. */
const writeStdout = process.stdout.write.bind(process.stdout);
const JSON_OUTPUT = process.argv.includes('--json');
if (JSON_OUTPUT) process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

type Table = 'expo' | 'clerk-js';
interface WorkItem {
  table: Table;
  cells: CellSpec[];
}
/** A cell's outcome with the table it belongs to. */
type TableOutcome = CellOutcome & { table: Table };

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    const store = readStore();
    const changed = [
      writeMatrixDoc(store) && 'docs/session-matrix.md',
      writeMatrixSvg(store) && 'docs/session-matrix.svg',
      store.clerkJs && writeClerkJsSvg(store.clerkJs) && 'docs/session-matrix-clerk-js.svg',
    ].filter(Boolean);
    process.stderr.write(`${changed.length > 0 ? `${changed.join(', ')} redrawn` : 'docs/session-matrix.md and the pictures unchanged'}\n`);
    if (args.json) writeStdout('[]\n');
    return;
  }
  // A narrowed run (--versions/--scenarios) without --clerk-js is the @clerk/expo table's alone, as it always was.
  const narrowed = args.versions !== undefined || args.scenarios !== undefined;
  const tables: Table[] = args.clerkJs ? ['clerk-js'] : narrowed ? ['expo'] : ['expo', 'clerk-js'];

  const started = Date.now();
  const store = readStore();
  // This run's results, laid over the file as it is at each write (another run may be writing other versions).
  const mine: MatrixStore = { versions: {}, cells: {}, clerkJs: { versions: {}, cells: {} } };
  const items: WorkItem[] = [];
  if (tables.includes('expo')) items.push(...(await expoItems(args, store, mine)));
  if (tables.includes('clerk-js')) items.push(...(await clerkJsItems(args, store, mine)));

  const save = () => {
    const current = readStore();
    Object.assign(current.versions, mine.versions);
    Object.assign(current.cells, mine.cells);
    if (tables.includes('clerk-js')) {
      current.clerkJs ??= { versions: {}, cells: {} };
      Object.assign(current.clerkJs.versions, mine.clerkJs!.versions);
      Object.assign(current.clerkJs.cells, mine.clerkJs!.cells);
    }
    if (!args.dryRun) writeStore(current);
    return current;
  };
  const total = items.reduce((n, i) => n + i.cells.length, 0);
  const outcomes: TableOutcome[] = [];
  let next = 0;
  const lane = async () => {
    const worker = new WorkerLane();
    try {
      while (next < items.length) {
        const item = items[next++]!;
        await worker.run(item, (o) => {
          outcomes.push({ ...o, table: item.table });
          // Saved as each cell arrives: an interrupted run keeps what it measured.
          const cells = item.table === 'expo' ? mine.cells : (mine.clerkJs!.cells as Record<string, { result: string; error?: string }>);
          cells[cellKey(o)] = { result: o.result, ...(o.error ? { error: o.error } : {}), ...(o.readings ? { readings: o.readings } : {}) };
          save();
          const ms = (o as CellOutcome & { ms?: number }).ms ?? 0;
          process.stderr.write(
            `[${outcomes.length}/${total}] ${item.table === 'clerk-js' ? 'clerk-js ' : ''}${o.version} ${o.variant} ${o.scenario}: ${o.result}${o.readings ? ` (other readings: ${JSON.stringify(o.readings)})` : ''}${o.error ? ` (${o.error})` : ''} ${(ms / 1000).toFixed(1)} s\n`,
          );
        });
      }
    } finally {
      worker.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, items.length) }, lane));

  const final = save();
  const doc = !args.dryRun && writeMatrixDoc(final);
  const svg = !args.dryRun && writeMatrixSvg(final);
  const clerkJsSvg = !args.dryRun && final.clerkJs ? writeClerkJsSvg(final.clerkJs) : false;
  process.stderr.write(
    `${outcomes.length} cells in ${((Date.now() - started) / 1000).toFixed(0)} s; docs/session-matrix.md ${doc ? 'updated' : 'unchanged'}, .svg ${svg ? 'updated' : 'unchanged'}${final.clerkJs ? `, session-matrix-clerk-js.svg ${clerkJsSvg ? 'updated' : 'unchanged'}` : ''}\n`,
  );
  if (args.json)
    writeStdout(
      JSON.stringify(
        outcomes
          .sort((a, b) => (a.table === b.table ? byCell(a, b) : a.table === 'expo' ? -1 : 1))
          .map(({ table, version, variant, scenario, result, error, readings }) => ({
            // @clerk/expo cells as they always were; clerk-js cells name their package.
            ...(table === 'clerk-js' ? { package: CLERK_JS } : {}),
            version,
            variant,
            scenario,
            result,
            ...(error ? { error } : {}),
            ...(readings ? { readings } : {}),
          })),
        null,
        2,
      ) + '\n',
    );
  if (outcomes.some((o) => o.result === 'error')) process.exitCode = 1;
}

/** The @clerk/expo table's work: installs each version's dependency closure (cached), then one item per (version, variant). */
async function expoItems(args: Args, store: MatrixStore, mine: MatrixStore): Promise<WorkItem[]> {
  const served = (await listVersions('@clerk/expo')).map((v) => v.version).filter((v) => semver.satisfies(v, RANGE));
  const versions = args.versions ?? served;
  const unknown = versions.filter((v) => !served.includes(v));
  if (unknown.length > 0) throw new Error(`not a served @clerk/expo 3.x/4.x version: ${unknown.join(', ')}`);
  const allScenarios = matrixScenarioNames();
  const scenarios = args.scenarios ?? allScenarios;
  const unknownScenarios = scenarios.filter((s) => !allScenarios.includes(s));
  if (unknownScenarios.length > 0)
    throw new Error(`unknown scenario(s): ${unknownScenarios.join(', ')} (known: ${allScenarios.join(', ')})`);

  // Dependency closures first (npm, one at a time: they share npm's cache).
  for (const [i, v] of versions.entries()) {
    if (i === 0) process.stderr.write(`installing or reusing ${versions.length} dependency set(s)\n`);
    const t = Date.now();
    const set = await dependencySet(v);
    mine.versions[v] = {
      clerkJs: set.resolved['@clerk/clerk-js'] ?? '?',
      clerkReact: set.resolved['@clerk/react'] ?? '?',
      react: set.resolved.react ?? '?',
    };
    process.stderr.write(
      `deps [${i + 1}/${versions.length}] @clerk/expo ${v}: clerk-js ${mine.versions[v]!.clerkJs} (${((Date.now() - t) / 1000).toFixed(1)} s)\n`,
    );
  }

  // Work items: one per (version, variant), each running the requested scenarios in order.
  const items: WorkItem[] = [];
  for (const version of versions) {
    for (const variant of hasShippedPatch(version) ? (['pristine', 'patched'] as const) : (['pristine'] as const)) {
      const cells = scenarios
        .map((scenario) => ({ version, variant, scenario }))
        .filter((c) => !args.missing || !store.cells[cellKey(c)] || store.cells[cellKey(c)]!.result === 'error');
      if (cells.length > 0) items.push({ table: 'expo', cells });
    }
  }
  return items;
}

/**
 * The clerk-js table's work: every served clerk-js 6.x version (or --versions), each with the
 * @clerk/expo 3.x/4.x versions whose dependency range allows it; one item per (version, variant).
 */
async function clerkJsItems(args: Args, store: MatrixStore, mine: MatrixStore): Promise<WorkItem[]> {
  const served = (await listVersions(CLERK_JS)).map((v) => v.version).filter((v) => semver.satisfies(v, CLERK_JS_RANGE));
  const versions = (args.clerkJs && args.versions) || served;
  const unknown = versions.filter((v) => !served.includes(v));
  if (unknown.length > 0) throw new Error(`not a served ${CLERK_JS} 6.x version: ${unknown.join(', ')}`);
  const allScenarios = clerkJsScenarioNames();
  const scenarios = (args.clerkJs && args.scenarios) || allScenarios;
  const unknownScenarios = scenarios.filter((s) => !allScenarios.includes(s));
  if (unknownScenarios.length > 0)
    throw new Error(`unknown clerk-js scenario(s): ${unknownScenarios.join(', ')} (known: ${allScenarios.join(', ')})`);

  const ranges = Object.fromEntries(
    Object.entries(await dependencyRanges('@clerk/expo', CLERK_JS)).filter(([v]) => semver.satisfies(v, RANGE)),
  );
  Object.assign(mine.clerkJs!.versions, expoAllowing(versions, ranges));
  const patched = new Set(
    readManifest()
      .filter((e) => e.package === CLERK_JS)
      .map((e) => e.version),
  );
  process.stderr.write(`clerk-js table: ${versions.length} version(s), ${patched.size} with a shipped patch\n`);

  const items: WorkItem[] = [];
  const done = store.clerkJs?.cells ?? {};
  for (const version of versions) {
    for (const variant of patched.has(version) ? (['pristine', 'patched'] as const) : (['pristine'] as const)) {
      const cells = scenarios
        .map((scenario) => ({ version, variant, scenario }))
        .filter((c) => !args.missing || !done[cellKey(c)] || done[cellKey(c)]!.result === 'error');
      if (cells.length > 0) items.push({ table: 'clerk-js', cells });
    }
  }
  return items;
}

const byCell = (a: CellSpec, b: CellSpec) =>
  semver.compare(a.version, b.version) || a.variant.localeCompare(b.variant) || a.scenario.localeCompare(b.scenario);

/**
 * One lane of the run: a worker process (worker.ts) kept across items of the same table, started
 * again for the other table, when it retires (memory) or after a crash. A worker that exits in the middle of an item turns
 * that item's missing cells into `error`; the next item gets a fresh worker.
 */
class WorkerLane {
  private child: ChildProcess | undefined;
  private table: Table | undefined;
  private stderr = '';
  private onLine: ((line: string) => void) | undefined;
  private onExit: ((code: number | null) => void) | undefined;

  run({ table, cells }: WorkItem, onCell: (o: CellOutcome) => void): Promise<void> {
    if (this.child && this.table !== table) this.close();
    const child = this.child ?? this.start(table);
    const seen = new Set<string>();
    return new Promise((resolve) => {
      this.onLine = (line) => {
        if (line === '@@item' || line === '@@item retire') {
          this.onLine = this.onExit = undefined;
          // A retiring worker exits now: the next item goes to a fresh one.
          if (line === '@@item retire') this.close();
          return resolve();
        }
        if (!line.startsWith('@@cell ')) return;
        const o = JSON.parse(line.slice('@@cell '.length)) as CellOutcome;
        seen.add(cellKey(o));
        onCell(o);
      };
      this.onExit = (code) => {
        for (const c of cells)
          if (!seen.has(cellKey(c)))
            onCell({
              ...c,
              result: 'error',
              error: `worker exited (${code}) before this cell: ${this.stderr.trim().split('\n').slice(-2).join(' ')}`,
            });
        resolve();
      };
      child.stdin!.write(`${JSON.stringify(cells)}\n`);
    });
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private start(table: Table): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, table], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.table = table;
    this.stderr = '';
    let buffer = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (this.child !== child) return;
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        this.onLine?.(line);
      }
    });
    child.stderr!.on('data', (d: Buffer) => void (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    // A write to a worker that already died: its exit reports the item.
    child.stdin!.on('error', () => {});
    child.on('close', (code) => {
      // A worker closed by close() had finished its items; one that died is still this lane's.
      if (this.child !== child) return;
      this.child = undefined;
      const onExit = this.onExit;
      this.onLine = undefined;
      this.onExit = undefined;
      onExit?.(code);
    });
    return child;
  }
}

main().catch((err) => {
  process.stderr.write(`matrix: ${(err as Error).message}\n`);
  if (JSON_OUTPUT) writeStdout(JSON.stringify({ error: (err as Error).message }, null, 2) + '\n');
  process.exit(2);
});
