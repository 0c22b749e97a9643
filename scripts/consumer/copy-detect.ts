import fs from 'node:fs';
import path from 'node:path';
import type { Fix, FixMeta, PackageSnapshot, Status } from '../core/fix.ts';
import { sha256 } from '../infra/hash.ts';
import { snapshotFromDir, type InstalledCopy } from './installed.ts';
import type { Manifest, ManifestEntry } from '../patch-file/manifest.ts';
import { fixState, fixStates } from '../codemod/fix-states.ts';
import type { FixState } from '../core/report.ts';
import { fixesCovering, summarize, type FixDetection } from '../codemod/fix-status.ts';
import { cachedDetect, recallDetect } from '../infra/detect-cache.ts';

/**
 * What the installed files of one copy are, read from disk (never from file names): a manifest
 * hash match answers at once (every target file == the shipped patch's `after`, or all ==
 * `before`); anything else goes through every fix's detect() on the AST.
 */
export interface CopyDetection {
  status: Status;
  /** The fixes of this package that matter here: those detected as not "not-affected", or covering the version. */
  fixes: FixMeta[];
  /** The same fixes, each with its own status on these files. */
  states: FixState[];
  via: 'manifest-sha256' | 'detect' | 'no-fixes';
  reason: string;
  entry: ManifestEntry | undefined;
  /** A patch ships for this version, but the files are neither its pristine input nor its output (e.g. an older patch applied). */
  foreign?: true;
}

export const manifestEntryFor = (manifest: Manifest, name: string, version: string): ManifestEntry | undefined =>
  manifest.patches.find((p) => p.package === name && p.version === version);

/**
 * `fixes` is the metadata of the package's fixes; `loadFixes` brings their code (and a parser)
 * only when no manifest hash answers.
 */
export async function detectCopy(
  copy: InstalledCopy,
  manifest: Manifest,
  fixes: readonly FixMeta[],
  loadFixes: () => Promise<readonly Fix[]>,
): Promise<CopyDetection> {
  const entry = manifestEntryFor(manifest, copy.name, copy.version);
  if (fixes.length === 0)
    return { status: 'not-affected', fixes: [], states: [], via: 'no-fixes', reason: `no fix targets ${copy.name}`, entry };
  const covering = fixesCovering(fixes, copy.version);
  if (entry && covering.every((f) => entry.fixes.includes(f.id)) && entry.files.length > 0) {
    const hashes = entry.files.map((f) => hashFile(path.join(copy.dir, f.path)));
    const entryFixes = fixes.filter((f) => entry.fixes.includes(f.id));
    const missing = entry.files.filter((_, i) => hashes[i] === undefined).map((f) => f.path);
    if (missing.length > 0) {
      return {
        status: 'unknown-shape',
        fixes: entryFixes,
        states: entryFixes.map((f) => fixState(f, 'unknown-shape')),
        via: 'manifest-sha256',
        reason: `${missing.join(', ')} missing from the installed ${copy.name}@${copy.version}: the install is damaged; reinstall it`,
        entry,
      };
    }
    if (entry.files.every((f, i) => hashes[i] === f.after)) {
      return {
        status: 'patched',
        fixes: entryFixes,
        states: entryFixes.map((f) => fixState(f, 'patched')),
        via: 'manifest-sha256',
        reason: `every patched file matches the shipped patch's sha256 (${entry.patch})`,
        entry,
      };
    }
    if (entry.files.every((f, i) => hashes[i] === f.before)) {
      return {
        status: 'vulnerable',
        fixes: entryFixes,
        states: entryFixes.map((f) => fixState(f, 'vulnerable')),
        via: 'manifest-sha256',
        reason: `the files are the pristine ${copy.name}@${copy.version} (sha256 match): not patched`,
        entry,
      };
    }
  }
  const byHash = entry ? undefined : knownByHash(copy, manifest, fixes, covering);
  if (byHash) return byHash;
  const snapshot = snapshotFromDir(copy);
  const ds = recalled(copy, snapshot, fixes) ?? (await detectWithCode(snapshot, fixes, loadFixes));
  const status = summarize(ds);
  const relevant = fixes.filter((f) => covering.includes(f) || ds.some((d) => d.fix === f.id && d.detection.status !== 'not-affected'));
  const foreign = entry && entry.files.length > 0 && covering.every((f) => entry.fixes.includes(f.id)) ? ({ foreign: true } as const) : {};
  return { status, fixes: relevant, states: fixStates(relevant, ds), via: 'detect', reason: reasonOf(ds, status), entry, ...foreign };
}

/**
 * A served version no patch targets, answered by the manifest's `known` hashes: when every
 * target file the producer recorded is byte-for-byte the published one, each fix's status there
 * is the producer's (fixed-upstream / not-affected), with no parser. Undefined otherwise.
 */
function knownByHash(
  copy: InstalledCopy,
  manifest: Manifest,
  fixes: readonly FixMeta[],
  covering: readonly FixMeta[],
): CopyDetection | undefined {
  const known = manifest.known?.[copy.name]?.[copy.version];
  if (!known || !fixes.every((f) => known.fixes[f.id] !== undefined)) return undefined;
  const paths = Object.keys(known.files);
  if (!paths.every((p) => hashFile(path.join(copy.dir, p)) === known.files[p])) return undefined;
  const relevant = fixes.filter((f) => covering.includes(f) || known.fixes[f.id] !== 'not-affected');
  const states = relevant.map((f) => fixState(f, known.fixes[f.id]!));
  const status: Status = states.some((s) => s.status === 'fixed-upstream') ? 'fixed-upstream' : 'not-affected';
  return {
    status,
    fixes: relevant,
    states,
    via: 'manifest-sha256',
    reason: `every target file (${paths.length}) is the published ${copy.name}@${copy.version} (manifest sha256): ${status}`,
    entry: undefined,
  };
}

/**
 * Every (fix, target file) answered from the on-disk detect() memo (keyed by the file's sha256
 * and the codemod sources), without loading any fix code or parser; undefined on any miss.
 */
function recalled(copy: InstalledCopy, snapshot: PackageSnapshot, fixes: readonly FixMeta[]): FixDetection[] | undefined {
  const out: FixDetection[] = [];
  // Bytes hashed once per file (fixes share bundles), never decoded: only a miss needs the text.
  const hashes = new Map<string, string | undefined>();
  const hashOf = (file: string) => {
    if (!hashes.has(file)) hashes.set(file, hashFile(path.join(copy.dir, file)));
    return hashes.get(file);
  };
  for (const fix of fixes) {
    for (const file of fix.targets(snapshot)) {
      const sha = hashOf(file);
      const detection =
        sha === undefined ? { status: 'unknown-shape' as const, reason: `${file} is missing` } : recallDetect(fix.id, file, sha);
      if (!detection) return undefined;
      out.push({ fix: fix.id, file, detection });
    }
  }
  return out;
}

/** detect() of every fix on the installed files: loads the fixes' code (and a parser). */
async function detectWithCode(
  snapshot: PackageSnapshot,
  fixes: readonly FixMeta[],
  loadFixes: () => Promise<readonly Fix[]>,
): Promise<FixDetection[]> {
  const ids = new Set(fixes.map((f) => f.id));
  const code = (await loadFixes()).filter((f) => ids.has(f.id));
  const { detectAll } = await import('../codemod/run-fixes.ts');
  return detectAll(snapshot, code, undefined, cachedDetect);
}

function reasonOf(ds: FixDetection[], status: Status): string {
  const hit = ds.find((d) => d.detection.status === status);
  if (!hit) return status === 'not-affected' ? 'no fix applies to this version' : status;
  const more = ds.filter((d) => d.detection.status === status).length - 1;
  return `${hit.fix} on ${hit.file}: ${hit.detection.reason}${more > 0 ? ` (+${more} more file(s))` : ''}`;
}

function hashFile(file: string): string | undefined {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}
