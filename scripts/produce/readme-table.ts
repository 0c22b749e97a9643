import type { Fix } from '../core/fix.ts';
import type { Manifest } from '../patch-file/manifest.ts';

export const TABLE_START = '<!-- versions:start (written by `clerk-expo-patches generate`; do not edit) -->';
export const TABLE_END = '<!-- versions:end -->';

/** The README's table of supported versions and fixes. */
export function versionTable(manifest: Manifest, fixes: readonly Fix[]): string {
  const byId = new Map(fixes.map((f) => [f.id, f]));
  const rows = manifest.patches.map((p) => {
    const letters = p.fixes.map((id) => `${byId.get(id)?.letter ?? '?'} (${id})`).join(', ');
    return `| ${p.package} | ${p.version} | ${letters} | [${p.patch}](patches/${encodeURIComponent(p.patch)}) |`;
  });
  const fixRows = fixes.map((f) => `| ${f.letter} | \`${f.id}\` | ${f.package} | \`${f.affected}\` | ${f.fixedUpstreamIn ?? 'not yet'} |`);
  return [
    TABLE_START,
    '| Fix | id | package | affected | fixed upstream in |',
    '|---|---|---|---|---|',
    ...fixRows,
    '',
    '| package | version | fixes | patch |',
    '|---|---|---|---|',
    ...rows,
    TABLE_END,
  ].join('\n');
}

export function replaceTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start) throw new Error('README.md has no versions table markers');
  return readme.slice(0, start) + table + readme.slice(end + TABLE_END.length);
}
