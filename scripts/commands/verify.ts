import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { PACKAGES, fixesFor, CLASSIFY_RANGE } from '../fixes/index.ts';
import { fetchPackage, listVersions } from '../lib/registry.ts';
import { buildPatch, detectAll, summarize } from '../lib/pipeline.ts';
import { applyWithPatchPackage } from '../lib/patch-apply.ts';
import { sha256 } from '../lib/hash.ts';
import { readManifest, type ManifestEntry } from '../lib/manifest.ts';
import { PATCHES_DIR } from '../lib/paths.ts';
import { cachedDetect } from '../lib/detect-cache.ts';
import { changedDeclarations, scopeProblems } from '../lib/provenance.ts';
import { ms, say } from '../lib/progress.ts';
import type { Status } from '../lib/fix.ts';

export interface VerifiedPackage {
  name: string;
  version: string;
  status: Status;
  fixes: string[];
  patch: string | null;
  /** Per patched file, the declarations the patch changed (provenance). */
  files?: { path: string; changed: string[] }[];
  problems?: string[];
}

export interface VerifyOptions {
  json?: boolean;
  packages?: string[];
  /** Only these versions (tests); default: every registry version in the classification range. */
  versions?: string[];
  /** For tests: another patches directory (with its manifest.json). */
  patchesDir?: string;
}

export interface VerifyReport {
  ok: boolean;
  packages: VerifiedPackage[];
}

/**
 * verify: every shipped patch, from the other end. Pristine tarball (integrity pinned by the
 * manifest) + shipped patch applied by patch-package → must equal the codemod's output today,
 * match the manifest hashes, and detect() as patched. Then every registry version of each
 * package in its classification range is classified by structure.
 */
export async function verify(opts: VerifyOptions = {}): Promise<number> {
  const report = await verifyReport(opts);
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

export async function verifyReport(opts: VerifyOptions = {}): Promise<VerifyReport> {
  const t0 = performance.now();
  const patchesDir = opts.patchesDir ?? PATCHES_DIR;
  const manifest = readManifest(path.join(patchesDir, 'manifest.json'));
  const report: VerifyReport = { ok: true, packages: [] };
  const shipped = new Set(fs.readdirSync(patchesDir).filter((f) => f.endsWith('.patch')));
  for (const name of opts.packages ?? PACKAGES) {
    const fixes = fixesFor(name);
    const entries = new Map(manifest.patches.filter((p) => p.package === name).map((p) => [p.version, p]));
    const registry = (await listVersions(name)).filter((v) => semver.satisfies(v.version, CLASSIFY_RANGE[name] ?? '*') && (!opts.versions || opts.versions.includes(v.version)));
    say(`${name}: verifying ${entries.size} patch(es), classifying ${registry.length} registry version(s)`);
    for (const [i, v] of registry.entries()) {
      const t1 = performance.now();
      const entry = entries.get(v.version);
      entries.delete(v.version);
      const result = entry ? await verifyEntry(entry, v.integrity, shipped, patchesDir) : await classify(name, v.version, v.integrity, fixes);
      report.packages.push(result);
      if (result.problems?.length) report.ok = false;
      say(`  [${i + 1}/${registry.length}] ${name}@${v.version}: ${result.status}${result.problems?.length ? ` — ${result.problems.join('; ')}` : ''} (${ms(t1)})`);
    }
    for (const orphan of opts.versions ? [] : entries.values()) {
      report.ok = false;
      report.packages.push({ name, version: orphan.version, status: 'unknown-shape', fixes: orphan.fixes, patch: orphan.patch, problems: ['the manifest lists a version the registry does not serve in the classification range'] });
    }
  }
  const listed = new Set(manifest.patches.map((p) => p.patch));
  for (const f of opts.versions ? [] : shipped) {
    if (!listed.has(f)) {
      report.ok = false;
      report.packages.push({ name: f, version: '', status: 'unknown-shape', fixes: [], patch: f, problems: ['patch file not listed in patches/manifest.json'] });
    }
  }
  const bad = report.packages.filter((p) => p.problems?.length);
  say(`verify: ${report.packages.length} version(s), ${bad.length} with problems, ${ms(t0)}`);
  return report;
}

async function verifyEntry(entry: ManifestEntry, registryIntegrity: string, shipped: Set<string>, patchesDir: string): Promise<VerifiedPackage> {
  const problems: string[] = [];
  const out: VerifiedPackage = { name: entry.package, version: entry.version, status: 'patched', fixes: entry.fixes, patch: entry.patch, files: [], problems };
  if (entry.integrity !== registryIntegrity) problems.push(`manifest integrity ${entry.integrity} differs from the registry's ${registryIntegrity}`);
  if (!shipped.has(entry.patch)) {
    problems.push(`${entry.patch} is missing from patches/`);
    out.status = 'vulnerable';
    return out;
  }
  const patchText = fs.readFileSync(path.join(patchesDir, entry.patch), 'utf8');
  if (sha256(patchText) !== entry.patchSha256) problems.push(`${entry.patch} does not match its manifest sha256 (edited by hand?)`);
  const pkg = await fetchPackage(entry.package, entry.version, entry.integrity);
  const fixes = fixesFor(entry.package);
  let applied: Map<string, string>;
  try {
    applied = applyWithPatchPackage(entry.package, patchText, (p) => pkg.read(p));
  } catch (err) {
    problems.push(`patch-package cannot apply ${entry.patch}: ${(err as Error).message.split('\n')[0]}`);
    out.status = 'vulnerable';
    return out;
  }
  const rebuilt = buildPatch(pkg, fixes);
  if (!rebuilt) problems.push('no fix covers this version any more; the patch should be dropped');
  else if (rebuilt.patch !== patchText) problems.push(`drift: generate would write a different ${entry.patch} today`);
  for (const f of entry.files) {
    const before = pkg.read(f.path);
    if (before === undefined || sha256(before) !== f.before) problems.push(`${f.path}: pristine sha256 differs from the manifest`);
    const after = applied.get(f.path);
    if (after === undefined || sha256(after) !== f.after) problems.push(`${f.path}: patched sha256 differs from the manifest`);
    const codemod = rebuilt?.files.find((r) => r.path === f.path)?.after;
    if (after !== codemod) problems.push(`${f.path}: patch-package's result differs from the codemod output`);
    if (before !== undefined && after !== undefined) {
      const runs = changedDeclarations(before, after, f.path);
      out.files!.push({ path: f.path, changed: [...new Set(runs.map((r) => r.container))] });
      problems.push(...scopeProblems(f.path, runs, f.nodes));
    }
  }
  // buildPatch() already proved that detect() says patched on the codemod's output; detect again
  // only where patch-package's result differs from it.
  for (const f of entry.files) {
    const after = applied.get(f.path);
    if (after === undefined || after === rebuilt?.files.find((r) => r.path === f.path)?.after) continue;
    for (const fix of fixes.filter((x) => f.fixes.includes(x.id))) {
      const d = fix.detect(after, f.path);
      if (d.status !== 'patched') problems.push(`${fix.id} on ${f.path}: detect() says ${d.status} after the patch (${d.reason})`);
    }
  }
  if (problems.length) out.status = 'unknown-shape';
  else delete out.problems;
  return out;
}

async function classify(name: string, version: string, integrity: string, fixes: ReturnType<typeof fixesFor>): Promise<VerifiedPackage> {
  const pkg = await fetchPackage(name, version, integrity);
  const ds = detectAll(pkg, fixes, undefined, cachedDetect);
  const status = summarize(ds);
  const problems: string[] = [];
  if (status === 'vulnerable') problems.push(`vulnerable but no patch ships for it: ${ds.filter((d) => d.detection.status === 'vulnerable').map((d) => `${d.fix} on ${d.file}`).join(', ')} (widen the fix's affected range and regenerate)`);
  if (status === 'unknown-shape') problems.push(ds.filter((d) => d.detection.status === 'unknown-shape').map((d) => `${d.fix}: ${d.detection.reason}`).join('; '));
  return {
    name,
    version,
    status,
    fixes: [...new Set(ds.filter((d) => d.detection.status === status).map((d) => d.fix))],
    patch: null,
    ...(problems.length ? { problems } : {}),
  };
}
