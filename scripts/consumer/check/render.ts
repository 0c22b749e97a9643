import type { FixState } from '../../core/report.ts';
import { formatTable } from '../../infra/table.ts';
import type { CheckReport } from './classify.ts';

/** check's table for people (stdout; stderr when stdout carries JSON). */

/** Which fix each upstream version belongs to: "B,C 3.4.4; D 3.2.8" ("-" when none). */
export function fixedInCell(fixes: readonly FixState[]): string {
  // A fix upstream has not shipped yet says so: upgrading cannot replace the patch for it.
  const byVersion = new Map<string, string[]>();
  for (const f of fixes) {
    const v = f.fixedUpstreamIn ?? 'not fixed upstream';
    byVersion.set(v, [...(byVersion.get(v) ?? []), f.letter]);
  }
  return [...byVersion].map(([v, letters]) => `${letters.join(',')} ${v}`).join('; ') || '-';
}

export function renderCheck(r: CheckReport): string {
  const table = formatTable(
    ['package', 'installed', 'fix', 'status', 'fixed-in', 'action'],
    r.results.map((x) => [
      x.path === `node_modules/${x.package}` ? x.package : `${x.package} (${x.path})`,
      x.installed || '-',
      x.fixes.map((f) => f.letter).join('+') || '-',
      x.finding ? `${x.status} ✗` : x.status,
      fixedInCell(x.fixes),
      x.action,
    ]),
  );
  const head = `clerk-expo-patches check (${r.packageManager}) in ${r.cwd}`;
  const tail = r.ok ? 'ok: no findings' : `${r.findings} finding(s) — see the action column`;
  return `${head}\n${table}\n${tail}`;
}
