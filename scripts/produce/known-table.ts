import semver from 'semver';
import type { Fix } from '../core/fix.ts';
import { CLASSIFY_RANGE, type TargetPackage } from '../core/targets.ts';
import type { KnownVersion, ManifestEntry } from '../patch-file/manifest.ts';
import { runJobs } from './jobs.ts';
import { knownVersion } from './known-version.ts';
import { listVersions } from './npm-registry.ts';

/**
 * The `known` table of one package: every registry version in its classification range (the
 * versions verify classifies), each through knownVersion() on a worker thread.
 */
export async function knownTable(
  name: TargetPackage,
  entries: readonly ManifestEntry[],
  fixes: readonly Fix[],
  inline?: boolean,
): Promise<Record<string, KnownVersion>> {
  const versions = (await listVersions(name)).filter((v) => semver.satisfies(v.version, CLASSIFY_RANGE[name]));
  const inputs = versions.map((v) => ({
    name,
    version: v.version,
    integrity: v.integrity,
    entry: entries.find((e) => e.package === name && e.version === v.version),
    fixIds: fixes.map((f) => f.id),
  }));
  const results = await runJobs(
    'knownVersion',
    inputs,
    () => {},
    // Fixes outside the registry (tests) cannot be named to a worker by id: run them here.
    inline ? (i) => knownVersion(i.name, i.version, i.integrity, fixes, i.entry) : undefined,
  );
  const out: Record<string, KnownVersion> = {};
  for (const [k, r] of results.entries()) if (r) out[inputs[k]!.version] = r;
  return out;
}
