import fs from 'node:fs';
import path from 'node:path';
import { fetchPackage } from './npm-registry.ts';
import { detectAll } from '../codemod/run-fixes.ts';
import { derivedStatus } from '../core/report.ts';
import { makeVersionPatch } from './make-patch.ts';
import { applyWithPatchPackage } from '../patch-file/apply.ts';
import { sha256 } from '../infra/hash.ts';
import { cachedDetect } from '../infra/detect-cache.ts';
import { memo, memoAsync } from '../infra/memo-cache.ts';
import { changedDeclarations, scopeProblems } from '../provenance/index.ts';
import type { ManifestEntry } from '../patch-file/manifest.ts';
import type { Fix, Status } from '../core/fix.ts';
import type { FixState } from '../core/report.ts';
import { fixState, fixStates } from '../codemod/fix-states.ts';

export interface VerifiedPackage {
  name: string;
  version: string;
  /** Derived from the fixes' own statuses (the worst wins), or unknown-shape when the patch has problems. */
  status: Status;
  /** Every fix of the package, each with its own status on this version. */
  fixes: FixState[];
  patch: string | null;
  /** Per patched file, the declarations the patch changed (provenance). */
  files?: { path: string; changed: string[] }[];
  problems?: string[];
}

/**
 * One shipped patch, from the other end: pristine tarball (integrity pinned by the manifest) +
 * the patch applied by patch-package must equal the codemod's output today, match the manifest
 * hashes, detect as patched, and change only the declarations its fixes name.
 */
export async function verifyEntry(
  entry: ManifestEntry,
  registryIntegrity: string,
  shipped: boolean,
  patchesDir: string,
  fixes: readonly Fix[],
): Promise<VerifiedPackage> {
  const problems: string[] = [];
  const out: VerifiedPackage = {
    name: entry.package,
    version: entry.version,
    status: 'patched',
    fixes: [],
    patch: entry.patch,
    files: [],
    problems,
  };
  const carried = fixes.filter((f) => entry.fixes.includes(f.id));
  // The fixes this patch carries take its verdict; every other fix of the package is detected on the pristine files.
  const states = async (status: Status): Promise<FixState[]> => {
    const others = fixes.filter((f) => !entry.fixes.includes(f.id));
    const ds = others.length
      ? detectAll(await fetchPackage(entry.package, entry.version, entry.integrity), others, undefined, cachedDetect)
      : [];
    const other = fixStates(others, ds);
    return fixes.map((f) => (carried.includes(f) ? fixState(f, status, entry.patch) : other.find((o) => o.id === f.id)!));
  };
  if (entry.integrity !== registryIntegrity)
    problems.push(`manifest integrity ${entry.integrity} differs from the registry's ${registryIntegrity}`);
  if (!shipped) {
    problems.push(`${entry.patch} is missing from patches/`);
    out.status = 'vulnerable';
    out.fixes = await states('vulnerable');
    return out;
  }
  const patchText = fs.readFileSync(path.join(patchesDir, entry.patch), 'utf8');
  if (sha256(patchText) !== entry.patchSha256) problems.push(`${entry.patch} does not match its manifest sha256 (edited by hand?)`);
  const pkg = await fetchPackage(entry.package, entry.version, entry.integrity);
  let applied: Map<string, string>;
  try {
    applied = applyWithPatchPackage(entry.package, patchText, (p) => pkg.read(p));
  } catch (err) {
    problems.push(`patch-package cannot apply ${entry.patch}: ${(err as Error).message.split('\n')[0]}`);
    out.status = 'vulnerable';
    out.fixes = await states('vulnerable');
    return out;
  }
  // What generate would write today: the codemods on the pristine tarball (memoised on disk by
  // tarball integrity and codemod sources, so a verify right after generate does not redo it).
  const rebuilt = await makeVersionPatch(entry.package, entry.version, entry.integrity, fixes, { memo: true });
  const codemodAfter = (p: string) => rebuilt?.entry.files.find((r) => r.path === p)?.after;
  if (!rebuilt) problems.push('no fix covers this version any more; the patch should be dropped');
  else if (rebuilt.patch !== patchText) problems.push(`drift: generate would write a different ${entry.patch} today`);
  for (const f of entry.files) {
    const before = pkg.read(f.path);
    if (before === undefined || sha256(before) !== f.before) problems.push(`${f.path}: pristine sha256 differs from the manifest`);
    const after = applied.get(f.path);
    if (after === undefined || sha256(after) !== f.after) problems.push(`${f.path}: patched sha256 differs from the manifest`);
    if (after === undefined || sha256(after) !== codemodAfter(f.path))
      problems.push(`${f.path}: patch-package's result differs from the codemod output`);
    if (before !== undefined && after !== undefined) {
      // A pure function of the two texts and the provenance code: memoised like the builds.
      const runs = memo('provenance', [f.path, sha256(before), sha256(after)], () => changedDeclarations(before, after, f.path));
      out.files!.push({ path: f.path, changed: [...new Set(runs.map((r) => r.container))] });
      problems.push(...scopeProblems(f.path, runs, f.nodes));
    }
  }
  // buildPatch() proved that detect() says patched on the codemod's output; detect again only
  // where patch-package's result differs from it.
  for (const f of entry.files) {
    const after = applied.get(f.path);
    if (after === undefined || sha256(after) === codemodAfter(f.path)) continue;
    for (const fix of fixes.filter((x) => f.fixes.includes(x.id))) {
      const d = fix.detect(after, f.path);
      if (d.status !== 'patched') problems.push(`${fix.id} on ${f.path}: detect() says ${d.status} after the patch (${d.reason})`);
    }
  }
  if (problems.length) out.status = 'unknown-shape';
  else delete out.problems;
  out.fixes = await states(out.status);
  return out;
}

/**
 * A registry version no patch targets, classified by every fix's detect(). The tarball is
 * immutable for its integrity, so the answer is memoised by integrity, fix ids and code: a warm
 * verify does not unpack the dozens of versions it only classifies.
 */
export function classify(name: string, version: string, integrity: string, fixes: readonly Fix[]): Promise<VerifiedPackage> {
  return memoAsync('classify', [name, version, integrity, ...fixes.map((f) => f.id)], () =>
    classifyTarball(name, version, integrity, fixes),
  );
}

async function classifyTarball(name: string, version: string, integrity: string, fixes: readonly Fix[]): Promise<VerifiedPackage> {
  const pkg = await fetchPackage(name, version, integrity);
  const ds = detectAll(pkg, fixes, undefined, cachedDetect);
  const states = fixStates(fixes, ds);
  const status = derivedStatus(states);
  const problems: string[] = [];
  if (status === 'vulnerable')
    problems.push(
      `vulnerable but no patch ships for it: ${ds
        .filter((d) => d.detection.status === 'vulnerable')
        .map((d) => `${d.fix} on ${d.file}`)
        .join(', ')} (widen the fix's affected range and regenerate)`,
    );
  if (status === 'unknown-shape')
    problems.push(
      ds
        .filter((d) => d.detection.status === 'unknown-shape')
        .map((d) => `${d.fix}: ${d.detection.reason}`)
        .join('; '),
    );
  return {
    name,
    version,
    status,
    fixes: states,
    patch: null,
    ...(problems.length ? { problems } : {}),
  };
}
