import path from 'node:path';
import { ShapeError, ToolError } from '../../core/errors.ts';
import { sha256 } from '../../infra/hash.ts';
import { readText } from '../../infra/paths.ts';
import type { Manifest } from '../../patch-file/manifest.ts';
import { readShippedPatch } from '../../patch-file/shipped.ts';
import { fixesCovering } from '../../codemod/fix-status.ts';
import { detectCopy } from '../copy-detect.ts';
import type { ConfigFile } from '../config-doc.ts';
import type { FixSource } from '../fix-source.ts';
import { snapshotFromDir, type InstalledCopy } from '../installed.ts';
import type { Ownership } from '../ownership.ts';
import { outOfDate } from '../package-json.ts';
import { installCommand, usesPatchPackage, type PackageManager } from '../package-manager.ts';
import { placePatch } from '../wiring.ts';
import { yarnLockDescriptors } from '../yarn-config.ts';
import type { DesiredPatch } from './plan.ts';
import type { SyncReport } from './report.ts';

/**
 * The one patch each installed copy should have wired: the shipped patch for its exact version,
 * or (--allow-unverified) one built from the installed files; copies left unpatched say why.
 */
export interface Desired {
  desired: DesiredPatch[];
  outOfDate: string[];
  unpatched: SyncReport['unpatched'];
  warnings: string[];
}

export async function desiredPatches(
  pm: PackageManager,
  pkg: Record<string, unknown>,
  copies: InstalledCopy[],
  manifest: Manifest,
  patchesDir: string,
  record: Ownership,
  appDir: string,
  allowUnverified: boolean,
  fixes: FixSource,
  /** pnpm: the file its version reads patch wiring from. */
  pnpmFile?: ConfigFile,
): Promise<Desired> {
  const out: Desired = { desired: [], outOfDate: [], unpatched: [], warnings: [] };
  const seen = new Set<string>();
  for (const copy of copies) {
    // patch-package patches one node_modules path; the native managers patch a name@version everywhere.
    if (usesPatchPackage(pm) && copy.inStore) continue;
    const key = usesPatchPackage(pm) ? copy.relPath : `${copy.name}@${copy.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const wants = outOfDate(pkg, copy);
    if (wants) {
      // e.g. pnpm refuses to install while a patch names a version no longer wanted: drop ours first.
      out.outOfDate.push(
        `${copy.name}: node_modules has ${copy.version} but package.json asks for ${wants}; not wiring a patch for ${copy.version}. Run \`${installCommand(pm)}\`, then \`clerk-expo-patches sync\` again.`,
      );
      continue;
    }
    const metas = fixes.metasFor(copy.name);
    const covering = fixesCovering(metas, copy.version);
    const entry = manifest.patches.find((p) => p.package === copy.name && p.version === copy.version);
    if (entry) {
      const text = readShippedPatch(patchesDir, entry.patch);
      if (text === undefined || sha256(text) !== entry.patchSha256) {
        throw new ToolError(
          `the shipped patch ${entry.patch} is missing or does not match its manifest sha256`,
          'reinstall clerk-expo-patches (the package is damaged)',
        );
      }
      const place = placePatch(pm, pkg, copy, text, placeOpts(pm, appDir, copy, record, pnpmFile));
      out.desired.push({
        package: copy.name,
        version: copy.version,
        ...place,
        fixes: entry.fixes,
        unverified: false,
        ...(entry.afterApply ? { afterApply: entry.afterApply } : {}),
      });
      continue;
    }
    if (covering.length === 0) continue;
    // In an affected range, but no verified patch ships for this version.
    const det = await detectCopy(copy, manifest, metas, () => fixes.loadFixes(copy.name));
    if (det.status === 'fixed-upstream' || det.status === 'not-affected') continue;
    const fixedIn = [...new Set(covering.map((f) => f.fixedUpstreamIn).filter(Boolean))].join(', ');
    if (!allowUnverified) {
      out.unpatched.push({
        package: copy.name,
        version: copy.version,
        path: copy.relPath,
        reason: `no verified patch ships for ${copy.name}@${copy.version} (affected by ${covering.map((f) => f.letter).join('+')}); ${fixedIn ? `upgrade to ${fixedIn} or later, or ` : ''}rerun with --allow-unverified to build one from the installed files`,
      });
      continue;
    }
    const place0 = placePatch(pm, pkg, copy, '', placeOpts(pm, appDir, copy, record, pnpmFile));
    const prior = record.patches.find((p) => p.file === place0.file && p.unverified && p.version === copy.version);
    try {
      const { buildPatch } = await import('../../codemod/run-fixes.ts');
      const built = buildPatch(snapshotFromDir(copy), await fixes.loadFixes(copy.name));
      if (!built) continue;
      const place = placePatch(pm, pkg, copy, built.patch, placeOpts(pm, appDir, copy, record, pnpmFile));
      const afterApply = [...new Set(built.fixes.map((f) => f.afterApply).filter((s): s is string => !!s))].join(' ');
      out.desired.push({
        package: copy.name,
        version: copy.version,
        ...place,
        fixes: built.fixes.map((f) => f.id),
        unverified: true,
        ...(afterApply ? { afterApply } : {}),
      });
      out.warnings.push(
        `${copy.name}@${copy.version}: wired an UNVERIFIED patch built from the installed files (no shipped patch for this version); review it, and prefer upgrading${fixedIn ? ` to ${fixedIn}` : ''}.`,
      );
    } catch (err) {
      const text = prior ? readText(path.join(appDir, prior.file)) : undefined;
      if (prior && text !== undefined) {
        // The installed files are already patched by the unverified patch sync wrote earlier: keep it.
        out.desired.push({ package: copy.name, version: copy.version, ...place0, text, fixes: prior.fixes, unverified: true });
        continue;
      }
      if (!(err instanceof ShapeError)) throw err;
      out.unpatched.push({
        package: copy.name,
        version: copy.version,
        path: copy.relPath,
        reason: `cannot build a patch from the installed files: ${err.message.split('\n')[0]} Reinstall the package so its files are pristine, then run sync again.`,
      });
    }
  }
  return out;
}

const placeOpts = (pm: PackageManager, appDir: string, copy: InstalledCopy, record: Ownership, pnpmFile: ConfigFile | undefined) => ({
  yarnDescriptors: yarnDescriptorsFor(pm, appDir, copy, record),
  ...(pnpmFile ? { pnpmFile } : {}),
});

/**
 * yarn berry: the ranges (descriptors) that resolve to this copy's version. Once patched, the
 * lockfile lists them under the patch: entry instead, so the keys sync set earlier for the same
 * version are kept.
 */
function yarnDescriptorsFor(pm: PackageManager, appDir: string, copy: InstalledCopy, record: Ownership): string[] {
  if (pm !== 'yarn-berry') return [];
  const lock = readText(path.join(appDir, 'yarn.lock'));
  const fromLock = lock ? yarnLockDescriptors(lock, copy.name, copy.version) : [];
  const owned = record.patches
    .filter((p) => p.package === copy.name && p.version === copy.version)
    .flatMap((p) => (p.configs ?? []).map((c) => c.key));
  return [...new Set([...fromLock, ...owned])].sort();
}
