import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import type { CellSpec } from './cell.ts';
import type { ClerkJsResult } from './clerk-js-scenarios.ts';
import type { ExpoAllowing } from './clerk-js-expo.ts';
import type { CellResult } from './verdict.ts';

/**
 * The matrix's data, docs/session-matrix.json (committed; docs/session-matrix.md is rendered
 * from it): per version the dependency versions it ran on, per cell its result. A narrowed run
 * replaces only its own cells. Written with a fixed key order, so an unchanged run writes the
 * same bytes.
 */
export interface MatrixStore {
  versions: Record<string, { clerkJs: string; clerkReact: string; react: string }>;
  cells: Record<string, { result: CellResult; error?: string; readings?: Record<string, CellResult> }>;
  /** The clerk-js table (clerk-js-scenarios.ts): per clerk-js version the @clerk/expo versions that allow it, per cell its result. */
  clerkJs?: ClerkJsStore;
}
export interface ClerkJsStore {
  versions: Record<string, ExpoAllowing>;
  cells: Record<string, { result: ClerkJsResult; error?: string }>;
}

/** docs/, or the folder MATRIX_DOCS_DIR names (`npm run upstream` stages a new row there before writing docs/). */
export const DOCS = process.env.MATRIX_DOCS_DIR || path.resolve(import.meta.dirname, '../../docs');
export const STORE_FILE = path.join(DOCS, 'session-matrix.json');

export const cellKey = (c: CellSpec): string => `${c.version} ${c.variant} ${c.scenario}`;

export function readStore(file = STORE_FILE): MatrixStore {
  if (!fs.existsSync(file)) return { versions: {}, cells: {} };
  return JSON.parse(fs.readFileSync(file, 'utf8')) as MatrixStore;
}

const byVersionKey = (a: string, b: string) => {
  const [va, ...ra] = a.split(' ');
  const [vb, ...rb] = b.split(' ');
  return semver.compare(va!, vb!) || (ra.join(' ') < rb.join(' ') ? -1 : ra.join(' ') > rb.join(' ') ? 1 : 0);
};

const sortedByVersion = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(
    Object.keys(o)
      .sort(byVersionKey)
      .map((k) => [k, o[k]!]),
  );

export function serialiseStore(store: MatrixStore): string {
  const versions = sortedByVersion(store.versions);
  const cells = sortedByVersion(store.cells);
  const clerkJs = store.clerkJs && {
    versions: sortedByVersion(
      Object.fromEntries(Object.entries(store.clerkJs.versions).map(([v, a]) => [v, { expo: a.expo, range: a.range }])),
    ),
    cells: sortedByVersion(store.clerkJs.cells),
  };
  return JSON.stringify(clerkJs ? { versions, cells, clerkJs } : { versions, cells }, null, 2) + '\n';
}

/** Writes the store when its bytes change; true when it did. */
export function writeStore(store: MatrixStore, file = STORE_FILE): boolean {
  const text = serialiseStore(store);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return true;
}
