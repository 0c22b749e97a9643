import semver from 'semver';
import type { FixMeta } from '../core/fix.ts';
import type { Manifest } from '../patch-file/manifest.ts';

/** README.md: one row per fix, with the versions a patch ships for (a short list). */
export const TABLE_START = '<!-- versions:start (written by `clerk-expo-patches generate`; do not edit) -->';
export const TABLE_END = '<!-- versions:end -->';
/** docs/versions.md: one row per shipped patch. */
export const DETAIL_START = '<!-- patches:start (written by `clerk-expo-patches generate`; do not edit) -->';
export const DETAIL_END = '<!-- patches:end -->';

/** "3.1.2–3.4.3 (16)": the first and last version a fix's patches ship for, and how many. */
function shippedSpan(manifest: Manifest, fix: FixMeta): string {
  const versions = manifest.patches
    .filter((p) => p.package === fix.package && p.fixes.includes(fix.id))
    .map((p) => p.version)
    .sort(semver.compare);
  if (!versions.length) return 'none';
  return versions.length === 1 ? versions[0]! : `${versions[0]}–${versions[versions.length - 1]} (${versions.length})`;
}

/** The README's table: each fix, what it affects, where upstream fixed it, which versions a patch ships for. */
export function versionTable(manifest: Manifest, fixes: readonly FixMeta[]): string {
  const rows = fixes.map(
    (f) =>
      `| ${f.letter} | \`${f.id}\` | ${f.package} | \`${f.affected}\` | ${f.fixedUpstreamIn ?? 'not yet'} | ${shippedSpan(manifest, f)} |`,
  );
  return [
    TABLE_START,
    '| Fix | id | package | affected | fixed upstream in | patches ship for |',
    '|---|---|---|---|---|---|',
    ...rows,
    TABLE_END,
  ].join('\n');
}

/** docs/versions.md's table: every shipped patch and the fixes it carries; links relative to docs/. */
export function patchTable(manifest: Manifest, fixes: readonly FixMeta[]): string {
  const byId = new Map(fixes.map((f) => [f.id, f]));
  const rows = manifest.patches.map((p) => {
    const letters = p.fixes.map((id) => `${byId.get(id)?.letter ?? '?'} (${id})`).join(', ');
    return `| ${p.package} | ${p.version} | ${letters} | [${p.patch}](../patches/${encodeURIComponent(p.patch)}) |`;
  });
  return [DETAIL_START, '| package | version | fixes | patch |', '|---|---|---|---|', ...rows, DETAIL_END].join('\n');
}

export function replaceTable(text: string, table: string, start = TABLE_START, end = TABLE_END, what = 'README.md'): string {
  const s = text.indexOf(start);
  const e = text.indexOf(end);
  if (s === -1 || e === -1 || e < s) throw new Error(`${what} has no table markers (${start} … ${end})`);
  return text.slice(0, s) + table + text.slice(e + end.length);
}
