import type { PackageManager } from '../package-manager.ts';
import type { Plan } from './plan.ts';

/** What sync did (or would do): the JSON report, and the words for people. */
export interface SyncReport {
  packageManager: PackageManager;
  dryRun: boolean;
  writes: string[];
  removes: string[];
  packageJson: string[];
  /** pnpm: the pnpm-workspace.yaml edits. */
  workspace?: string[];
  /** pnpm: the version sync assumed (null: unknown, newest behaviour), where it came from, and the file it wired in. */
  pnpm?: { version: string | null; from: string; wiring: string; allowKey: string };
  wired: Array<{ package: string; version: string; file: string; fixes: string[]; unverified: boolean }>;
  /** Installed copies in an affected range left unpatched (no shipped patch, no --allow-unverified). */
  unpatched: Array<{ package: string; version: string; path: string; reason: string }>;
  /** npm / yarn classic: patches sync did not write beside the one it wires for the same package; each must be removed (exit 1). */
  conflicts: Array<{ file: string; target: string }>;
  warnings: string[];
  next: string[];
}

/** The report for people: stdout, or stderr when stdout carries the JSON report. */
export function printPlan(r: SyncReport, plan: Plan, appDir: string, say: (line: string) => void): void {
  const verb = r.dryRun ? 'would ' : '';
  say(`sync (${r.packageManager}) in ${appDir}${r.dryRun ? ' — dry run, nothing written' : ''}`);
  if (r.pnpm)
    say(
      `  ${r.pnpm.version ? `pnpm ${r.pnpm.version} (${r.pnpm.from})` : `pnpm of unknown version (${r.pnpm.from}; assumed 11 or later)`}: wiring in ${r.pnpm.wiring}, ${r.pnpm.allowKey}`,
    );
  for (const w of plan.writes) say(`  + ${verb}write ${w.file}  (${w.reason})`);
  for (const x of plan.removes) say(`  - ${verb}remove ${x.file}  (${x.reason})`);
  for (const e of plan.packageJsonEdits) say(`  ~ ${verb}edit package.json: ${e}`);
  for (const e of plan.workspaceEdits) say(`  ~ ${verb}edit pnpm-workspace.yaml: ${e}`);
  if (!plan.writes.length && !plan.removes.length && !plan.packageJsonEdits.length && !plan.workspaceEdits.length && !plan.conflicts.length)
    say('  nothing to change: every installed copy is wired as it should be');
  for (const d of plan.wired)
    if (!plan.writes.some((w) => w.file === d.file)) say(`  = ${d.file} (${d.package}@${d.version}) already wired`);
  for (const u of r.unpatched) say(`  ! ${u.package}@${u.version} (${u.path}): ${u.reason}`);
  for (const c of r.conflicts)
    say(
      `  ! remove ${c.file}: it also patches ${c.target}, and patch-package fails when two patches target one package (sync did not write it, so it does not delete it)`,
    );
  for (const w of r.warnings) say(`warning: ${w}`);
  if (r.next.length)
    say(
      `next: ${r.next.map((n) => `\`${n}\``).join(', then ')}${r.dryRun ? ' (after running sync without --dry-run)' : ''}; then \`clerk-expo-patches check\``,
    );
}
