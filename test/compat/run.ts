import { parseArgs as nodeParseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packThisRepository } from '../e2e/helpers.ts';
import { PM_PACKAGE, resolveVersion, toolchain } from '../e2e/toolchain.ts';
import { assertFlowPatchesShip } from '../e2e/upgrade-flow.ts';
import { runFlow } from './flow.ts';
import { nodeLines, runNodeLines } from './node-lines.ts';
import { COMPAT_DOC, renderCompat } from './render.ts';
import { ROWS, selectRows, type ToolchainRow } from './rows.ts';
import { readStore, serialiseStore, STEPS, STORE_FILE, writeText, type CompatStore, type RowRecord } from './store.ts';

/**
 * `npm run compat` — the toolchain table (docs/compatibility.md): every row of rows.ts (a package
 * manager at a version resolved now) through sync → install → check → upgrade PR → guard in a
 * real app, and the consumer commands on each Node line.
 *
 *   npm run compat                              (every row and the Node lines)
 *   npm run compat -- --only pnpm@12,yarn@4     (those rows; `node` names the Node lines)
 *   … [--json] [--jobs N] [--keep]              (--keep: leave the apps in the temp folder)
 *   npm run compat -- --render                  (runs nothing: redraws docs/compatibility.md from the JSON)
 *
 * Rows run at once, at most --jobs (default 2; installs wait on disk and network as much as on a
 * core); a progress line per step on stderr. Results merge into docs/compatibility.json (a
 * narrowed run replaces only its rows) and docs/compatibility.md is drawn from it. --json prints
 * this run's results on stdout and nothing else there (`{ "error": … }` when the run cannot start).
 * Exit 0 when every step ran ok (or was refused for a documented reason), 1 when one failed, 2 when
 * the run could not start.
 */
interface Args {
  only?: string[];
  json: boolean;
  jobs: number;
  render: boolean;
  keep: boolean;
}

const KNOWN = '--only a,b --json --jobs N --keep --render';

function parseArgs(argv: string[]): Args {
  const { values } = parsed(argv);
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    ...(only ? { only } : {}),
    json: values.json,
    render: values.render,
    keep: values.keep,
    jobs: Math.min(3, Math.max(1, Number(values.jobs) || 1)),
  };
}

/** node:util's parser; its errors in this command's words ("unknown option --x (known: …)"). */
function parsed(argv: string[]) {
  try {
    return nodeParseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        json: { type: 'boolean', default: false },
        render: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        jobs: { type: 'string', default: '2' },
      },
      strict: true,
    });
  } catch (err) {
    const e = err as Error & { code?: string };
    const option = /'([^' ]+)/.exec(e.message)?.[1] ?? '';
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new Error(`unknown option ${option} (known: ${KNOWN})`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new Error(`${option} needs a value (known: ${KNOWN})`);
    throw err;
  }
}

const writeStdout = process.stdout.write.bind(process.stdout);
const JSON_OUTPUT = process.argv.includes('--json');
if (JSON_OUTPUT) process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
const order = ROWS.map((r) => r.id);
const today = () => new Date().toISOString().slice(0, 10);

function save(mine: CompatStore): CompatStore {
  const current = readStore();
  Object.assign(current.rows, mine.rows);
  Object.assign(current.nodeLines, mine.nodeLines);
  writeText(STORE_FILE, serialiseStore(current, order));
  return current;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    const changed = writeText(COMPAT_DOC, renderCompat(readStore()));
    process.stderr.write(`docs/compatibility.md ${changed ? 'redrawn' : 'unchanged'}\n`);
    if (args.json) writeStdout('{}\n');
    return;
  }
  const withNode = !args.only || args.only.includes('node');
  const rows = selectRows(args.only?.filter((id) => id !== 'node'));
  assertFlowPatchesShip();
  const started = Date.now();
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-compat-pack-'));
  const { tarball } = await packThisRepository(packDir);
  process.stderr.write(
    `compat: packed ${path.basename(tarball)}; ${rows.length} row(s)${withNode ? ' and the Node lines' : ''}, ${args.jobs} at once\n`,
  );

  const mine: CompatStore = { rows: {}, nodeLines: {} };
  const apps: string[] = [];
  const work: Array<() => Promise<void>> = rows.map((row) => () => runRow(row, tarball, mine, apps));
  if (withNode)
    work.push(async () => {
      const lines = await nodeLines();
      const results = await runNodeLines(lines, tarball, (l) => process.stderr.write(`node lines: ${l}\n`), apps);
      for (const [line, r] of Object.entries(results)) mine.nodeLines[line] = { ...r, date: today() };
      save(mine);
    });
  let next = 0;
  const lane = async () => {
    while (next < work.length) await work[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, work.length) }, lane));

  const final = save(mine);
  const doc = writeText(COMPAT_DOC, renderCompat(final));
  if (!args.keep) for (const dir of [...apps, packDir]) await fs.promises.rm(dir, { recursive: true, force: true });
  const failedSteps = [
    ...Object.entries(mine.rows).flatMap(([id, r]) => STEPS.filter((s) => r.steps[s].result === 'failed').map((s) => `${id} ${s}`)),
    ...Object.entries(mine.nodeLines).flatMap(([line, n]) =>
      Object.entries(n.commands)
        .filter(([, o]) => o.result === 'failed')
        .map(([c]) => `Node ${line} ${c}`),
    ),
  ];
  process.stderr.write(
    `compat: ${Object.keys(mine.rows).length} row(s) in ${((Date.now() - started) / 1000).toFixed(0)} s; ${failedSteps.length === 0 ? 'all ok' : `failed: ${failedSteps.join(', ')}`}; docs/compatibility.md ${doc ? 'updated' : 'unchanged'}\n`,
  );
  if (args.json) writeStdout(`${JSON.stringify(mine, null, 2)}\n`);
  if (failedSteps.length > 0) process.exitCode = 1;
}

async function runRow(row: ToolchainRow, tarball: string, mine: CompatStore, apps: string[]): Promise<void> {
  const log = (line: string) => process.stderr.write(`${row.id}: ${line}\n`);
  let record: RowRecord;
  try {
    const version = await resolveVersion(PM_PACKAGE[row.kind], row.range);
    log(`resolved ${PM_PACKAGE[row.kind]}@${version}`);
    const tc = await toolchain(row.kind, version);
    if (tc.node !== process.execPath) log(`runs on Node ${tc.nodeVersion} (its engines)`);
    const { steps, dir } = await runFlow(tc, tarball, log);
    apps.push(dir);
    const stop = STEPS.find((s) => steps[s].result === 'failed');
    if (stop && row.unsupported) steps[stop] = { result: 'refused', reason: row.unsupported };
    record = { version, node: tc.nodeVersion, date: today(), steps };
  } catch (err) {
    const error = `could not set up the package manager: ${(err as Error).message.split('\n')[0]}`;
    log(error);
    const steps = Object.fromEntries(STEPS.map((s) => [s, s === 'sync' ? { result: 'failed', error } : { result: 'not run' }]));
    record = { version: '?', node: process.versions.node, date: today(), steps: steps as RowRecord['steps'] };
  }
  mine.rows[row.id] = record;
  // Saved as each row ends: an interrupted run keeps what it measured.
  save(mine);
}

main().catch((err) => {
  process.stderr.write(`compat: ${(err as Error).message}\n`);
  if (JSON_OUTPUT) writeStdout(`${JSON.stringify({ error: (err as Error).message }, null, 2)}\n`);
  process.exit(2);
});
