import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/infra/paths.ts';

/**
 * Every relative link in README.md and docs/*.md resolves: the file (or folder) exists, and a
 * #anchor names a heading of the target page, slugged as GitHub does (lower case, punctuation
 * dropped, spaces to hyphens, -1, -2… for repeats).
 */
const mdIn = (dir: string) =>
  fs
    .readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `${dir}/${f}`);
/** README, docs/*.md and the reports for Clerk in docs/upstream/. */
const pages = ['README.md', ...mdIn('docs'), ...mdIn('docs/upstream')];

/** The text outside fenced code blocks and inline code. */
const prose = (md: string) => md.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, (m) => (m.includes('](') ? '' : m));

export function slugs(md: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of prose(md).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  for (const m of md.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

function links(md: string): string[] {
  return [...prose(md).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!).filter((u) => !/^[a-z][a-z0-9+.-]*:/i.test(u));
}

describe('documentation links', () => {
  it('the slugger agrees with GitHub on the headings used here', () => {
    expect([...slugs('## Expo config plugin: guard prebuild\n## `check`\n## A\n## A\n')]).toEqual([
      'expo-config-plugin-guard-prebuild',
      'check',
      'a',
      'a-1',
    ]);
  });

  it.each(pages)('every relative link in %s resolves (files and #anchors)', (page) => {
    const text = fs.readFileSync(path.join(ROOT, page), 'utf8');
    const found = links(text);
    const broken: string[] = [];
    for (const link of found) {
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const file = target ? path.resolve(path.dirname(path.join(ROOT, page)), decodeURIComponent(target)) : path.join(ROOT, page);
      if (!fs.existsSync(file)) {
        broken.push(`${link}: no ${path.relative(ROOT, file)}`);
        continue;
      }
      if (anchor && !(file.endsWith('.md') && slugs(fs.readFileSync(file, 'utf8')).has(anchor)))
        broken.push(`${link}: no heading #${anchor} in ${path.relative(ROOT, file)}`);
    }
    expect(broken).toEqual([]);
    if (page === 'README.md') expect(found.length).toBeGreaterThan(10);
  });

  it('README.md stays a first screen for app teams: at most 200 lines, linking every docs page', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    for (const page of pages.filter((p) => p.startsWith('docs/'))) expect(readme, page).toContain(`](${page})`);
  });
});
