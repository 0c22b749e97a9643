import { FIX_CATALOG as FIXES } from '../../scripts/fixes/catalog.ts';
import { ACCEPTED_PATCHED, type RowCell } from './matrix-row.ts';
import type { NewVersion, UpstreamResult } from './types.ts';

/**
 * upstream-report.md: the body of the pull request (or, on exit 2, of the issue) a maintainer
 * reviews. The new versions; the fixes each still needs; the patch produced (files, lines); the
 * matrix row, pristine against patched, with every patched cell that is not `kept` or
 * `signed out`; every codemod that refused, with the anchor it could not find.
 */
export function renderReport(r: UpstreamResult): string {
  const out: string[] = [];
  const verdict =
    r.exitCode === 0
      ? 'Nothing new: the manifest knows every version the registry serves.'
      : r.exitCode === 1
        ? `${r.versions.length} new version(s), each classified, patched where a fix applies, verified and run through the session matrix; patches/, the manifest, the README table, docs/versions.md and the matrix docs are updated.`
        : 'A person must look: ' +
          (r.error
            ? 'the run stopped before it could handle the new versions.'
            : 'a codemod refused, a verification failed or a matrix cell errored. Nothing was written: patches/, the manifest and the docs are as they were.');
  out.push('# Upstream: new Clerk releases', '', verdict, '');
  out.push(`Registry: ${r.registry} · ${r.seconds} s · exit ${r.exitCode}`, '');
  if (r.error) out.push('## Error', '', '```', r.error, '```', '');
  if (r.versions.length) {
    out.push('| package | version | still needs | patch | matrix row | refused |', '|---|---|---|---|---|---|');
    for (const v of r.versions) {
      const needs = needed(v);
      const flagged = flags(v.row).length;
      out.push(
        `| ${v.package} | ${v.version} | ${needs.length ? needs.join(', ') : 'nothing'} | ${v.patch ? `\`${v.patch.entry.patch}\` (${v.patch.letters})` : '—'} | ${v.row.length ? `${v.row.length} cells${flagged ? `, **${flagged} flagged**` : ''}` : '—'} | ${v.refusals.map((x) => x.letter).join(', ') || '—'} |`,
      );
    }
    out.push('');
  }
  for (const v of r.versions) out.push(...section(v, r.scenarios));
  if (r.written.length) out.push('## Files written', '', ...r.written.map((f) => `- \`${f}\``), '');
  out.push('## Toolchains', '');
  if (!r.toolchains) out.push('Not checked (the run stopped earlier).');
  else if (r.toolchains.skipped) out.push(`Skipped: ${r.toolchains.skipped}.`);
  else {
    const news = r.toolchains.tools.filter((t) => t.newer.length);
    if (!news.length) out.push('No toolchain release newer than docs/compatibility.json records.');
    for (const t of news)
      out.push(
        `- ${t.tool} (${t.package}): newer than the recorded ${t.recorded}: ${t.newer.slice(-10).join(', ')}${t.newer.length > 10 ? ` (and ${t.newer.length - 10} older)` : ''} — run \`npm run compat\``,
      );
  }
  out.push('');
  return out.join('\n');
}

const letterOf = (id: string) => FIXES.find((f) => f.id === id)?.letter ?? '?';

/** The fixes a new version still needs: vulnerable (or of unknown shape) on its pristine files. */
function needed(v: NewVersion): string[] {
  return (v.classified?.fixes ?? []).filter((f) => f.status === 'vulnerable' || f.status === 'unknown-shape').map((f) => f.letter);
}

const flags = (row: RowCell[]) => row.filter((c) => c.variant === 'patched' && !ACCEPTED_PATCHED.has(c.result));

function patchLines(text: string): { file: string; added: number; removed: number }[] {
  const out: { file: string; added: number; removed: number }[] = [];
  for (const line of text.split('\n')) {
    const head = /^diff --git a\/node_modules\/(?:@[^/]+\/)?[^/]+\/(\S+) /.exec(line);
    if (head) out.push({ file: head[1]!, added: 0, removed: 0 });
    else if (out.length && line.startsWith('+') && !line.startsWith('+++')) out.at(-1)!.added++;
    else if (out.length && line.startsWith('-') && !line.startsWith('---')) out.at(-1)!.removed++;
  }
  return out;
}

function section(v: NewVersion, scenarios: string[] | undefined): string[] {
  const out = [`## ${v.package} ${v.version}`, ''];
  if (v.classified) {
    out.push('| fix | status on the published files |', '|---|---|');
    for (const f of v.classified.fixes) out.push(`| ${f.letter} \`${f.id}\` | ${f.status} |`);
    out.push('');
  }
  if (v.refusals.length) {
    out.push('### Refused', '');
    for (const x of v.refusals)
      out.push(
        `- **Fix ${x.letter}** (\`${x.fixId}\`)${x.file ? ` on \`${x.file}\`` : ''}: expected ${x.anchor}, not found. Update the codemod in \`scripts/fixes/${x.fixId}/\`.`,
      );
    out.push('');
  }
  if (v.patch) {
    out.push(
      `### Patch \`${v.patch.entry.patch}\` (${v.patch.letters})`,
      '',
      '| file | fixes | lines added | lines removed |',
      '|---|---|---|---|',
    );
    const lines = patchLines(v.patch.text);
    for (const f of v.patch.entry.files) {
      const l = lines.find((x) => x.file === f.path);
      out.push(`| \`${f.path}\` | ${f.fixes.map(letterOf).join(', ')} | ${l?.added ?? '?'} | ${l?.removed ?? '?'} |`);
    }
    out.push('');
  }
  if (v.problems.length) out.push('### Verification problems', '', ...v.problems.map((p) => `- ${p}`), '');
  if (v.row.length) {
    const names = [...new Set(v.row.map((c) => c.scenario))];
    out.push(
      `### Session matrix row${scenarios?.length ? ` (slice: ${names.length} scenario(s))` : ''}`,
      '',
      '| scenario | pristine | patched | |',
      '|---|---|---|---|',
    );
    for (const s of names) {
      const cell = (variant: string) => v.row.find((c) => c.scenario === s && c.variant === variant);
      const p = cell('pristine');
      const q = cell('patched');
      const flag = q && !ACCEPTED_PATCHED.has(q.result) ? '**flagged**' : '';
      out.push(`| ${s} | ${p?.result ?? '—'} | ${q?.result ?? '—'} | ${flag} |`);
    }
    const errors = v.row.filter((c) => c.error);
    if (errors.length) out.push('', ...errors.map((c) => `- ${c.variant} ${c.scenario}: ${c.error}`));
    out.push('');
  }
  return out;
}
