import fs from 'node:fs';
import path from 'node:path';
import { appSetup } from '../e2e/toolchain.ts';
import { ROWS } from './rows.ts';
import { CONSUMER_COMMANDS, DOCS, STEPS, type CompatStore, type Outcome } from './store.ts';

/**
 * docs/compatibility.md, generated whole from docs/compatibility.json and the row list
 * (rows.ts): one row per package manager version, one column per step; the Node-line table; what
 * each app needed. No timestamps beyond the recorded run dates: same data, same bytes.
 */
export const COMPAT_DOC = path.join(DOCS, 'compatibility.md');
const ENGINES = (JSON.parse(fs.readFileSync(path.resolve(DOCS, '../package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

const cell = (o: Outcome | undefined): string => {
  if (!o) return '?';
  const text = o.result === 'failed' ? `failed: ${o.error}` : o.result === 'refused' ? `refused: ${o.reason}` : o.result;
  return text.replace(/\|/g, '\\|');
};

export function renderCompat(store: CompatStore): string {
  const lines: string[] = [
    '# Toolchain compatibility',
    '',
    '<!-- Written by `npm run compat` from docs/compatibility.json; do not edit. -->',
    '',
    'Each package manager at the oldest version we support and the newest the registry serves (a',
    'range resolves to its newest served release when the run starts; the table records which),',
    'in a real app: `@clerk/clerk-js` 6.7.1 + `@clerk/expo` 3.2.7 and this package packed with',
    '`npm pack` as a devDependency. Steps:',
    '',
    '- **sync**: the first install, then `clerk-expo-patches sync`;',
    '- **install**: the install after sync (it applies the patches);',
    '- **check**: `clerk-expo-patches check` exits 0 with both copies patched;',
    "- **upgrade**: the bot's PR, `@clerk/expo` 3.2.7 → 3.2.8 in package.json, the lockfile updated by its",
    '  lockfile-only command (`npm install --package-lock-only`, `pnpm install --lockfile-only`,',
    '  `yarn install --mode=update-lockfile`, `bun install --lockfile-only`);',
    "- **guard**: CI's install of that PR from a clean checkout (`npm ci`, `--frozen-lockfile`, `--immutable`)",
    '  stops with our message and the one command that makes it green.',
    '',
    'A failed step leaves the rest `not run`; `?` is a row not run yet. Regenerate with `npm run compat`',
    '(`--only pnpm@12,yarn@4` for some rows, `--json` for the results on stdout, `--render` to redraw this',
    'page from the JSON). CI runs the oldest and the newest of each package manager through the same',
    'commands (test/e2e/consumer.test.ts: the oldest, sync → install → check; test/e2e/upgrade.test.ts: the',
    'newest, the upgrade PRs), npm as the machine has it.',
    '',
    `| row | version | Node | run on | ${STEPS.join(' | ')} |`,
    `|---|---|---|---|${STEPS.map(() => '---').join('|')}|`,
  ];
  for (const row of ROWS) {
    const r = store.rows[row.id];
    lines.push(
      `| ${row.id} | ${r?.version ?? '?'} | ${r?.node ?? '?'} | ${r?.date ?? '?'} | ${STEPS.map((s) => cell(r?.steps[s])).join(' | ')} |`,
    );
  }
  lines.push(
    '',
    '## Node',
    '',
    "The consumer commands on each Node release line (the newest of each, from the registry's",
    '`node-<platform>-<arch>` package) in one app installed and wired with npm: each must exit 0.',
    `package.json \`engines.node\`: \`${ENGINES}\`.`,
    '',
    `| Node line | version | run on | ${CONSUMER_COMMANDS.join(' | ')} |`,
    `|---|---|---|${CONSUMER_COMMANDS.map(() => '---').join('|')}|`,
  );
  for (const [line, n] of Object.entries(store.nodeLines).sort(([a], [b]) => Number(a) - Number(b)))
    lines.push(`| ${line} | ${n.version} | ${n.date} | ${CONSUMER_COMMANDS.map((c) => cell(n.commands[c])).join(' | ')} |`);
  lines.push(
    '',
    '## What each app needed',
    '',
    'Set up before the first install (test/e2e/toolchain.ts, `appSetup`). A package manager whose',
    "`engines.node` this machine's Node does not satisfy runs, with the app's scripts, on the newest",
    'release of the oldest even Node line that does (the Node column): pnpm 11 needs Node ≥ 22.13 and on',
    'Node 20 stops with `No such built-in module: node:sqlite`; npm 12 needs `^22.22.2 || ^24.15.0 || >=26.0.0`.',
    '',
  );
  const notes = new Map<string, string[]>();
  for (const row of ROWS) {
    const version = store.rows[row.id]?.version ?? row.range;
    for (const note of appSetup(row.kind, /^\d+\.\d+\.\d+$/.test(version) ? version : `${row.range.split('.')[0]}.0.0`).notes)
      notes.set(note, [...(notes.get(note) ?? []), row.id]);
  }
  for (const [note, ids] of notes) lines.push(`- ${ids.join(', ')}: ${note}`);
  return `${lines.join('\n')}\n`;
}
