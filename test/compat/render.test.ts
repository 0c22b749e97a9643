import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { COMPAT_DOC, renderCompat } from './render.ts';
import { ciRow, ROWS, selectRows } from './rows.ts';
import { readStore, serialiseStore, STEPS, STORE_FILE, type CompatStore, type RowRecord } from './store.ts';

/** docs/compatibility.md is drawn from docs/compatibility.json and the row list: both must be current. */
const tableRows = (md: string) =>
  md
    .split('\n')
    .filter((l) => /^\| (npm|pnpm|yarn|bun)@/.test(l))
    .map((l) => l.split(' | ')[0]!.slice(2));

const ok = Object.fromEntries(STEPS.map((s) => [s, { result: 'ok' }])) as RowRecord['steps'];

it('docs/compatibility.json has a result for exactly the rows rows.ts lists (else: npm run compat -- --only <new rows>)', () => {
  expect(Object.keys(readStore().rows)).toEqual(ROWS.map((r) => r.id));
});

it('docs/compatibility.md is the rendering of docs/compatibility.json (else: npm run compat -- --render)', () => {
  const doc = fs.readFileSync(COMPAT_DOC, 'utf8');
  expect(tableRows(doc)).toEqual(ROWS.map((r) => r.id));
  expect(doc === renderCompat(readStore()), 'stale: run npm run compat -- --render').toBe(true);
  expect(fs.readFileSync(STORE_FILE, 'utf8')).toBe(
    serialiseStore(
      readStore(),
      ROWS.map((r) => r.id),
    ),
  );
});

it('a row shows its resolved version, Node and date, each step, the first error line (pipes escaped), `?` when not run', () => {
  const store: CompatStore = {
    rows: {
      'pnpm@12': {
        version: '12.26.0',
        node: '20.20.2',
        date: '2026-12-07',
        steps: { ...ok, check: { result: 'failed', error: 'a | b' }, upgrade: { result: 'not run' }, guard: { result: 'not run' } },
      },
      'yarn@3': { version: '3.8.7', node: '20.20.2', date: '2026-12-07', steps: { ...ok, check: { result: 'refused', reason: 'no' } } },
    },
    nodeLines: {
      '22': {
        version: '22.23.5',
        date: '2026-12-07',
        commands: { sync: { result: 'ok' }, postinstall: { result: 'ok' }, check: { result: 'ok' } },
      },
    },
  };
  const md = renderCompat(store);
  expect(tableRows(md)).toEqual(ROWS.map((r) => r.id));
  expect(md).toContain('| pnpm@12 | 12.26.0 | 20.20.2 | 2026-12-07 | ok | ok | failed: a \\| b | not run | not run |');
  expect(md).toContain('| yarn@3 | 3.8.7 | 20.20.2 | 2026-12-07 | ok | ok | refused: no | ok | ok |');
  expect(md).toContain('| npm@10 | ? | ? | ? | ? | ? | ? | ? | ? |');
  expect(md).toContain('| 22 | 22.23.5 | 2026-12-07 | ok | ok | ok |');
  expect(md).toMatch(/^- pnpm@11, pnpm@12: pnpm-workspace\.yaml: `nodeLinker: hoisted`/m);
});

it('--only names rows by id; CI takes the marked oldest and newest of each package manager', () => {
  expect(selectRows(['pnpm@12', 'npm@10']).map((r) => r.id)).toEqual(['npm@10', 'pnpm@12']);
  expect(() => selectRows(['pnpm@13'])).toThrow(/unknown row\(s\): pnpm@13 \(known: npm@10,/);
  expect([ciRow('pnpm', 'oldest').id, ciRow('pnpm', 'newest').id, ciRow('yarn-classic', 'newest').id]).toEqual([
    'pnpm@9',
    'pnpm@12',
    'yarn@1',
  ]);
});

it('`npm run compat -- --json` with an unknown option: a JSON error on stdout, words on stderr, exit 2', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, 'run.ts'), '--json', '--nope'], {
    encoding: 'utf8',
  });
  expect(r.status).toBe(2);
  expect(JSON.parse(r.stdout)).toEqual({ error: expect.stringMatching(/unknown option --nope/) });
  expect(r.stderr).toMatch(/^compat: unknown option --nope/);
});
