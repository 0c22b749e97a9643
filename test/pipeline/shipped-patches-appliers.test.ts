/**
 * Every shipped patch (whatever patches/manifest.json lists, so new fixes are covered without a
 * change here), applied to its pristine registry tarball by patch-package's applier, GNU patch
 * (-p1 --no-backup-if-mismatch -F0) and `git apply`: the three results are byte-identical, every
 * hunk lands at its stated line, and the files equal the codemod output (the manifest's sha256 of
 * each file before and after, which verify and the generate test tie to the codemods).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { sha256 } from '../../scripts/infra/hash.ts';
import { PATCHES_DIR } from '../../scripts/infra/paths.ts';
import { APPLIERS, applyWithAll } from './three-appliers.ts';

const manifest = readManifest();

describe('shipped patches: patch-package, GNU patch and git apply give the same, exact result', () => {
  it('the manifest lists every patch file in patches/', () => {
    const listed = manifest.patches.map((e) => e.patch).sort();
    const onDisk = fs
      .readdirSync(PATCHES_DIR)
      .filter((f) => f.endsWith('.patch'))
      .sort();
    expect(onDisk).toEqual(listed);
  });

  for (const entry of manifest.patches) {
    it(`${entry.package}@${entry.version}`, async () => {
      const pkg = await fetchPackage(entry.package, entry.version, entry.integrity);
      const patch = fs.readFileSync(path.join(PATCHES_DIR, entry.patch), 'utf8');
      for (const f of entry.files) expect(sha256(pkg.read(f.path) ?? ''), `pristine ${f.path}`).toBe(f.before);
      const results = await applyWithAll(entry.package, patch, (p) => pkg.read(p));
      for (const applier of APPLIERS) {
        const files = results[applier];
        expect([...files.keys()].sort(), applier).toEqual(entry.files.map((f) => f.path).sort());
        for (const f of entry.files) expect(sha256(files.get(f.path)!), `${applier}: ${f.path}`).toBe(f.after);
      }
    });
  }
});
