/**
 * The machine-readable contract of `verify --json` and `check --json` (documented as a JSON
 * Schema in schema/report.schema.json): one entry per fix with its own status, the level above
 * derived from them, a schema version, and the same shape for a tool error.
 */
import type { Status } from './fix.ts';

export const REPORT_SCHEMA_VERSION = 1;

/** One fix as seen on one package version or installed copy. */
export interface FixState {
  id: string;
  letter: string;
  status: Status;
  /** The first upstream version that carries an equivalent fix, or null. */
  fixedUpstreamIn: string | null;
  /** The patch file that carries this fix for this version (shipped or wired), when there is one. */
  patch?: string;
}

/** What `--json` prints on stdout when the command fails (exit 2). */
export interface ErrorReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  command: string;
  ok: false;
  error: { message: string; hint: string | null };
}

/** Worst first: one vulnerable fix makes the version vulnerable, and so on. */
const SEVERITY: readonly Status[] = ['vulnerable', 'unknown-shape', 'patched', 'fixed-upstream', 'not-affected'];

/** The status of a version (or copy) derived from its fixes' own statuses. */
export function derivedStatus(fixes: readonly Pick<FixState, 'status'>[]): Status {
  for (const s of SEVERITY) if (fixes.some((f) => f.status === s)) return s;
  return 'not-affected';
}
