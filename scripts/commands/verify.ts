import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { fixesFor } from '../fixes/index.ts';
import { TARGET_PACKAGES as PACKAGES, CLASSIFY_RANGE, type TargetPackage } from '../core/targets.ts';
import { listVersions } from '../produce/npm-registry.ts';
import { readManifest } from '../patch-file/manifest.ts';
import { PATCHES_DIR } from '../infra/paths.ts';
import { runJobs } from '../produce/jobs.ts';
import type { VerifiedPackage } from '../produce/verify-version.ts';
import { ms, say } from '../infra/progress.ts';
import { knownTable } from '../produce/known-table.ts';
import { REPORT_SCHEMA_VERSION } from '../core/report.ts';

export type { VerifiedPackage };
export interface VerifyOptions {
  json?: boolean;
  packages?: TargetPackage[];
  /** Only these versions (tests); default: every registry version in the classification range. */
  versions?: string[];
  /** For tests: another patches directory (with its manifest.json). */
  patchesDir?: string;
}

/** `verify --json`: schema/report.schema.json (command "verify"). */
export interface VerifyReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  command: 'verify';
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
  const report: VerifyReport = { schemaVersion: REPORT_SCHEMA_VERSION, command: 'verify', ok: true, packages: [] };
  const shipped = new Set(fs.readdirSync(patchesDir).filter((f) => f.endsWith('.patch')));
  for (const name of opts.packages ?? PACKAGES) {
    const entries = new Map(manifest.patches.filter((p) => p.package === name).map((p) => [p.version, p]));
    const registry = (await listVersions(name)).filter(
      (v) => semver.satisfies(v.version, CLASSIFY_RANGE[name]) && (!opts.versions || opts.versions.includes(v.version)),
    );
    say(`${name}: verifying ${entries.size} patch(es), classifying ${registry.length} registry version(s)`);
    const jobs = registry.map((v) => {
      const entry = entries.get(v.version);
      entries.delete(v.version);
      return {
        name,
        version: v.version,
        integrity: v.integrity,
        entry,
        shipped: !!entry && shipped.has(entry.patch),
        patchesDir,
        fixIds: fixesFor(name).map((f) => f.id),
      };
    });
    const results = await runJobs('verifyVersion', jobs, (input, r, done) =>
      say(`  [${done}/${jobs.length}] ${name}@${input.version}: ${r.status}${r.problems?.length ? ` — ${r.problems.join('; ')}` : ''}`),
    );
    for (const r of results) {
      report.packages.push(r);
      if (r.problems?.length) report.ok = false;
    }
    for (const orphan of opts.versions ? [] : entries.values()) {
      report.ok = false;
      const fixes = fixesFor(name)
        .filter((f) => orphan.fixes.includes(f.id))
        .map((f) => ({
          id: f.id,
          letter: f.letter,
          status: 'unknown-shape' as const,
          fixedUpstreamIn: f.fixedUpstreamIn,
          patch: orphan.patch,
        }));
      report.packages.push({
        name,
        version: orphan.version,
        status: 'unknown-shape',
        fixes,
        patch: orphan.patch,
        problems: ['the manifest lists a version the registry does not serve in the classification range'],
      });
    }
  }
  // The hashes check answers by: what generate would record today, for every package verified.
  for (const name of opts.versions ? [] : (opts.packages ?? PACKAGES)) {
    const want = await knownTable(name, manifest.patches, fixesFor(name));
    const have = manifest.known?.[name] ?? {};
    const drift = [...new Set([...Object.keys(want), ...Object.keys(have)])].filter(
      (v) => JSON.stringify(want[v] ?? null) !== JSON.stringify(have[v] ?? null),
    );
    if (drift.length) {
      report.ok = false;
      report.packages.push({
        name,
        version: drift.join(', '),
        status: 'unknown-shape',
        fixes: [],
        patch: null,
        problems: [
          `drift: the manifest's known hashes differ from what generate would record today for ${drift.length} version(s); run \`npm run patches\``,
        ],
      });
    }
  }
  const listed = new Set(manifest.patches.map((p) => p.patch));
  for (const f of opts.versions ? [] : shipped) {
    if (!listed.has(f)) {
      report.ok = false;
      report.packages.push({
        name: f,
        version: '',
        status: 'unknown-shape',
        fixes: [],
        patch: f,
        problems: ['patch file not listed in patches/manifest.json'],
      });
    }
  }
  const bad = report.packages.filter((p) => p.problems?.length);
  say(`verify: ${report.packages.length} version(s), ${bad.length} with problems, ${ms(t0)}`);
  return report;
}
