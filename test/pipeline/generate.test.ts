import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../scripts/commands/generate.ts';
import { type Fix } from '../../scripts/core/fix.ts';
import { resetConfig } from '../../scripts/infra/config.ts';
import { ShapeError } from '../../scripts/core/errors.ts';
import { PATCHES_DIR, README, VERSIONS_DOC } from '../../scripts/infra/paths.ts';
import { DETAIL_END, DETAIL_START, TABLE_END, TABLE_START } from '../../scripts/produce/readme-table.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cep-gen-'));
const snapshot = (dir: string) =>
  Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );

describe('generate', () => {
  // Byte-equal to what is committed: so running generate on a clean clone leaves `git status` clean.
  it('writes exactly the committed patches, manifest, README table and docs/versions.md table', async () => {
    // Built patches may come from the memo (scripts/infra/memo-cache.ts): its keys hash every
    // source file of the codemods, fixes and pipeline, so a changed line of any of them rebuilds
    // every patch here; an unchanged tree reuses what this code built before. `npm run bench`
    // times the forced run (CLERK_EXPO_PATCHES_NO_MEMO=1).
    resetConfig();
    const dir = tmp();
    const readme = path.join(dir, 'README.md');
    fs.writeFileSync(readme, `# x\n\n${TABLE_START}\n${TABLE_END}\n`);
    const versionsDoc = path.join(dir, 'versions.md');
    fs.writeFileSync(versionsDoc, `# v\n\n${DETAIL_START}\n${DETAIL_END}\n`);
    const out = path.join(dir, 'patches');
    expect(await generate({ patchesDir: out, readme, versionsDoc })).toBe(0);
    const first = snapshot(out);
    expect(first).toEqual(snapshot(PATCHES_DIR));
    const table = (t: string) => t.slice(t.indexOf(TABLE_START), t.indexOf(TABLE_END));
    expect(table(fs.readFileSync(readme, 'utf8'))).toBe(table(fs.readFileSync(README, 'utf8')));
    const detail = (t: string) => t.slice(t.indexOf(DETAIL_START), t.indexOf(DETAIL_END));
    expect(detail(fs.readFileSync(versionsDoc, 'utf8'))).toBe(detail(fs.readFileSync(VERSIONS_DOC, 'utf8')));
    resetConfig();
  });

  it('a version whose code lacks the expected shape stops the run, names fix, version and file, and writes nothing', async () => {
    const dir = tmp();
    const readme = path.join(dir, 'README.md');
    const before = `# x\n\n${TABLE_START}\n${TABLE_END}\n`;
    fs.writeFileSync(readme, before);
    const versionsDoc = path.join(dir, 'versions.md');
    fs.writeFileSync(versionsDoc, `# v\n\n${DETAIL_START}\n${DETAIL_END}\n`);
    const out = path.join(dir, 'patches');
    fs.mkdirSync(out);
    const probe: Fix = {
      id: 'probe-fix',
      letter: 'Z',
      title: 'test fix',
      package: '@clerk/expo',
      affected: '>=3.2.5 <=3.2.7',
      fixedUpstreamIn: null,
      targets: (pkg) => (pkg.version === '3.2.7' ? ['dist/not-there.js'] : ['dist/provider/ClerkProvider.js']),
      detect: (text) => (text.endsWith('// probe\n') ? { status: 'patched', reason: 'probe' } : { status: 'vulnerable', reason: 'probe' }),
      apply: (text) => ({ changed: true, text: `${text}\n// probe\n`, node: { label: 'probe', start: 0, end: 0 } }),
    };
    const err = await generate({ fixes: [probe], patchesDir: out, readme, versionsDoc }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toContain('probe-fix');
    expect((err as Error).message).toContain('@clerk/expo@3.2.7/dist/not-there.js');
    expect(fs.readdirSync(out)).toEqual([]);
    expect(fs.readFileSync(readme, 'utf8')).toBe(before);
  });
});
