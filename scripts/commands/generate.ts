import semver from 'semver';
import fs from 'node:fs';
import path from 'node:path';
import { FIXES } from '../fixes/index.ts';
import type { Fix } from '../core/fix.ts';
import { isTargetPackage, type TargetPackage } from '../core/targets.ts';
import { listVersions } from '../produce/npm-registry.ts';
import { fixesCovering } from '../codemod/run-fixes.ts';
import { makeVersionPatch } from '../produce/make-patch.ts';
import { runJobs } from '../produce/jobs.ts';
import { manifestText, type Manifest, type ManifestEntry } from '../patch-file/manifest.ts';
import { PATCHES_DIR, README, VERSIONS_DOC, writeFileAtomic } from '../infra/paths.ts';
import { parsePatchPackageFileName } from '../patch-file/names.ts';
import { DETAIL_END, DETAIL_START, patchTable, replaceTable, versionTable } from '../produce/readme-table.ts';
import { ms, say } from '../infra/progress.ts';
import { knownTable } from '../produce/known-table.ts';

export interface GenerateOptions {
  /** Only these packages (default: every package with fixes). */
  packages?: TargetPackage[];
  json?: boolean;
  /** For tests: another fix registry and output location. */
  fixes?: readonly Fix[];
  patchesDir?: string;
  readme?: string;
  /** docs/versions.md (the table of every shipped patch). */
  versionsDoc?: string;
}

/**
 * generate: for every registry version in a fix's affected range, build the patch from the
 * pristine tarball, apply it back with patch-package to prove it reproduces the codemod output,
 * then write patches/, the manifest, the README table and docs/versions.md — all or nothing.
 */
export async function generate(opts: GenerateOptions = {}): Promise<number> {
  const t0 = performance.now();
  const allFixes = opts.fixes ?? FIXES;
  const patchesDir = opts.patchesDir ?? PATCHES_DIR;
  const manifestFile = path.join(patchesDir, 'manifest.json');
  const readme = opts.readme ?? README;
  const versionsDoc = opts.versionsDoc ?? VERSIONS_DOC;
  const allPackages = [...new Set(allFixes.map((f) => f.package))];
  const entries: ManifestEntry[] = [];
  const texts = new Map<string, string>();
  for (const name of opts.packages ?? allPackages) {
    const fixes = allFixes.filter((f) => f.package === name);
    const versions = (await listVersions(name)).filter((v) => fixesCovering(fixes, v.version).length > 0);
    say(`${name}: ${versions.length} affected version(s) on the registry`);
    const results = await runJobs(
      'makeVersionPatch',
      versions.map((v) => ({ name, version: v.version, integrity: v.integrity, fixIds: fixes.map((f) => f.id) })),
      (input, r, done) =>
        say(
          `  [${done}/${versions.length}] ${name}@${input.version}: ${r ? `${r.letters} on ${r.entry.files.length} file(s), ${r.patch.length} bytes` : 'no fix covers it'}`,
        ),
      // Fixes outside the registry (tests) cannot be named to a worker by id: run them here.
      fixes.every((f) => FIXES.includes(f)) ? undefined : (input) => makeVersionPatch(input.name, input.version, input.integrity, fixes),
    );
    for (const r of results) {
      if (!r) continue;
      texts.set(r.entry.patch, r.patch);
      entries.push(r.entry);
    }
  }
  // Keep manifest entries of packages not regenerated in this run.
  const regenerated = new Set<string>(opts.packages ?? allPackages);
  const kept =
    fs.existsSync(manifestFile) && opts.packages
      ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest).patches.filter((p) => !regenerated.has(p.package))
      : [];
  const patches = [...kept, ...entries].sort(byPackageVersion);
  // What check may answer by hash for every classified version (no parser in the app).
  const oldKnown =
    fs.existsSync(manifestFile) && opts.packages ? ((JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest).known ?? {}) : {};
  const known: NonNullable<Manifest['known']> = {};
  for (const name of [...new Set([...Object.keys(oldKnown), ...regenerated])].sort()) {
    if (!regenerated.has(name)) known[name] = oldKnown[name]!;
    else if (isTargetPackage(name)) {
      const fixes = allFixes.filter((f) => f.package === name);
      const table = await knownTable(name, patches, fixes, !fixes.every((f) => FIXES.includes(f)));
      say(`${name}: ${Object.keys(table).length} version(s) answerable by hash beyond their patch`);
      if (Object.keys(table).length) known[name] = table;
    }
  }
  const manifest: Manifest = { schema: 1, patches, ...(Object.keys(known).length ? { known } : {}) };

  const { readmeText, versionsText } = renderDocs(manifest, allFixes, readme, versionsDoc);
  // Everything computed: now write, each file atomically; remove patches we no longer produce.
  const wanted = new Set(manifest.patches.map((p) => p.patch));
  for (const [file, text] of texts) writeIfChanged(path.join(patchesDir, file), text);
  for (const file of fs.existsSync(patchesDir) ? fs.readdirSync(patchesDir) : []) {
    const parsed = parsePatchPackageFileName(file);
    const owned = !!parsed && parsed.chain.length === 1 && regenerated.has(parsed.chain[0]!);
    if (owned && !wanted.has(file)) {
      fs.rmSync(path.join(patchesDir, file));
      say(`removed stale ${file}`);
    }
  }
  writeIfChanged(manifestFile, manifestText(manifest));
  writeIfChanged(readme, readmeText);
  writeIfChanged(versionsDoc, versionsText);
  say(`generate: ${entries.length} patch(es) in ${ms(t0)}`);
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify({ ok: true, patches: entries.map((e) => ({ package: e.package, version: e.version, patch: e.patch, fixes: e.fixes })) }, null, 2)}\n`,
    );
  return 0;
}

/** The README's table and docs/versions.md for a manifest: the texts, computed from the files as they are (nothing written). */
export function renderDocs(
  manifest: Manifest,
  fixes: readonly Fix[],
  readme: string,
  versionsDoc: string,
): { readmeText: string; versionsText: string } {
  return {
    readmeText: replaceTable(fs.readFileSync(readme, 'utf8'), versionTable(manifest, fixes)),
    versionsText: replaceTable(
      fs.readFileSync(versionsDoc, 'utf8'),
      patchTable(manifest, fixes),
      DETAIL_START,
      DETAIL_END,
      path.basename(versionsDoc),
    ),
  };
}

export const byPackageVersion = (a: ManifestEntry, b: ManifestEntry) =>
  a.package === b.package ? semver.compare(a.version, b.version) : a.package < b.package ? -1 : 1;

function writeIfChanged(file: string, text: string) {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  writeFileAtomic(file, text);
}
