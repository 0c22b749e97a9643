import fs from 'node:fs';
import path from 'node:path';

/**
 * The toolchain table's data, docs/compatibility.json (committed; docs/compatibility.md is
 * rendered from it). A run with `--only` replaces only its own rows. Written with a fixed key
 * order, so an unchanged result writes the same bytes.
 */
export const STEPS = ['sync', 'install', 'check', 'upgrade', 'guard'] as const;
export type Step = (typeof STEPS)[number];
export const CONSUMER_COMMANDS = ['sync', 'postinstall', 'check'] as const;
export type ConsumerCommand = (typeof CONSUMER_COMMANDS)[number];

export type Outcome =
  { result: 'ok' } | { result: 'failed'; error: string } | { result: 'refused'; reason: string } | { result: 'not run' };

export interface RowRecord {
  /** The exact version the row's range resolved to. */
  version: string;
  /** The Node that ran the package manager and the app's scripts. */
  node: string;
  /** The day it ran (UTC). */
  date: string;
  steps: Record<Step, Outcome>;
}

export interface NodeLineRecord {
  version: string;
  date: string;
  commands: Record<ConsumerCommand, Outcome>;
}

export interface CompatStore {
  rows: Record<string, RowRecord>;
  nodeLines: Record<string, NodeLineRecord>;
}

export const DOCS = path.resolve(import.meta.dirname, '../../docs');
export const STORE_FILE = path.join(DOCS, 'compatibility.json');

export function readStore(file = STORE_FILE): CompatStore {
  if (!fs.existsSync(file)) return { rows: {}, nodeLines: {} };
  return JSON.parse(fs.readFileSync(file, 'utf8')) as CompatStore;
}

const outcome = (o: Outcome): Outcome =>
  o.result === 'failed'
    ? { result: o.result, error: o.error }
    : o.result === 'refused'
      ? { result: o.result, reason: o.reason }
      : { result: o.result };

export function serialiseStore(store: CompatStore, rowOrder: readonly string[]): string {
  const known = (ids: string[]) => ids.sort((a, b) => rowOrder.indexOf(a) - rowOrder.indexOf(b));
  const rows = Object.fromEntries(
    known(Object.keys(store.rows).filter((id) => rowOrder.includes(id))).map((id) => {
      const r = store.rows[id]!;
      return [
        id,
        { version: r.version, node: r.node, date: r.date, steps: Object.fromEntries(STEPS.map((s) => [s, outcome(r.steps[s])])) },
      ];
    }),
  );
  const nodeLines = Object.fromEntries(
    Object.keys(store.nodeLines)
      .sort((a, b) => Number(a) - Number(b))
      .map((line) => {
        const n = store.nodeLines[line]!;
        return [
          line,
          { version: n.version, date: n.date, commands: Object.fromEntries(CONSUMER_COMMANDS.map((c) => [c, outcome(n.commands[c])])) },
        ];
      }),
  );
  return `${JSON.stringify({ rows, nodeLines }, null, 2)}\n`;
}

/** Writes the file when its bytes change; true when it did. */
export function writeText(file: string, text: string): boolean {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return true;
}
