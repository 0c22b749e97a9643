import type { PmKind } from '../e2e/toolchain.ts';

/**
 * The rows of the toolchain table (docs/compatibility.md): each package manager at the oldest
 * version we support and the newest the registry serves, resolved when the run starts
 * (`range`: the newest served release matching it). `ci` marks the two of each package manager
 * the e2e suite runs on every CI build (test/e2e/consumer.test.ts the oldest, upgrade.test.ts
 * the newest).
 */
export interface ToolchainRow {
  /** `--only` names rows by this: `<command>@<range>`. */
  id: string;
  kind: PmKind;
  range: string;
  ci?: 'oldest' | 'newest';
  /**
   * Why we do not support it, from a run here: the row still runs, and the step where it stops
   * shows `refused` with this reason instead of `failed` (a row that passes shows `ok`: then drop this).
   */
  unsupported?: string;
}

const row = (kind: PmKind, range: string, ci?: ToolchainRow['ci'], unsupported?: string): ToolchainRow => ({
  id: `${{ npm: 'npm', pnpm: 'pnpm', 'yarn-berry': 'yarn', 'yarn-classic': 'yarn', bun: 'bun' }[kind]}@${range}`,
  kind,
  range,
  ...(ci ? { ci } : {}),
  ...(unsupported ? { unsupported } : {}),
});

/**
 * Tried with 3.8.7: it ignores a `resolutions` key of the form sync writes (`@clerk/expo@npm:3.2.7`,
 * yarn 4's), so the install stays unpatched; keyed `@clerk/expo@3.2.7` it stops with `ENOENT ...
 * open '~/.yarn/patches/…'` (the project-root `~/` patch path is yarn 4's); keyed without `npm:`
 * and with `./.yarn/patches/…` it applies the patch.
 */
const YARN_3 =
  "yarn 3 is not supported: sync writes yarn 4's `resolutions` form (`pkg@npm:x` keys, `~/.yarn/patches/…` paths), which yarn 3.8.7 ignores, so the install stays unpatched (`check` reports it); yarn 3 would need `pkg@x` keys and `./.yarn/patches/…` paths. Use yarn 4.";

export const ROWS: readonly ToolchainRow[] = [
  row('npm', '10', 'oldest'),
  row('npm', '11'),
  row('npm', '12'),
  row('pnpm', '9', 'oldest'),
  row('pnpm', '10.0.0'),
  row('pnpm', '10'),
  row('pnpm', '11'),
  row('pnpm', '12', 'newest'),
  row('yarn-classic', '1', 'oldest'),
  row('yarn-berry', '3', undefined, YARN_3),
  row('yarn-berry', '4.0.0', 'oldest'),
  row('yarn-berry', '4', 'newest'),
  row('bun', '1.1', 'oldest'),
  row('bun', '1', 'newest'),
];

/** The row CI runs as the oldest or the newest of a package manager (yarn 1 is both: one line of releases). */
export function ciRow(kind: PmKind, which: 'oldest' | 'newest'): ToolchainRow {
  const of = ROWS.filter((r) => r.kind === kind);
  const found = of.find((r) => r.ci === which) ?? of.find((r) => r.ci);
  if (!found) throw new Error(`no CI row for ${kind}`);
  return found;
}

/** Rows named by `--only npm@10,pnpm@12` (unknown names: an error listing the known ones). */
export function selectRows(only: string[] | undefined): ToolchainRow[] {
  if (!only) return [...ROWS];
  const unknown = only.filter((id) => !ROWS.some((r) => r.id === id));
  if (unknown.length > 0) throw new Error(`unknown row(s): ${unknown.join(', ')} (known: ${ROWS.map((r) => r.id).join(', ')})`);
  return ROWS.filter((r) => only.includes(r.id));
}
