import fs from 'node:fs';
import path from 'node:path';
import { metasFor } from '../fixes/catalog.ts';
import { fixCodeFor } from './fix-code.ts';
import { ShapeError, ToolError } from '../core/errors.ts';
import { sha256 } from '../infra/hash.ts';
import { findInstalled, nothingInstalled, snapshotFromDir, TARGET_PACKAGES, type InstalledCopy } from '../consumer/installed.ts';
import { readManifest, type Manifest } from '../patch-file/manifest.ts';
import { readOwnership, OWNERSHIP_FILE, type Ownership } from '../consumer/ownership.ts';
import { outOfDate, readPackageJson, packageJsonText } from '../consumer/package-json.ts';
import { detectPackageManager, installCommand, parsePmOption, usesPatchPackage, type PackageManager } from '../consumer/package-manager.ts';
import { SHIPPED_MANIFEST, SHIPPED_PATCHES_DIR, writeFileAtomic } from '../infra/paths.ts';
import { readShippedPatch } from '../patch-file/shipped.ts';
import { fixesCovering } from '../codemod/fix-status.ts';
import { detectCopy } from '../consumer/copy-detect.ts';
import { planSync, type DesiredPatch, type Plan } from '../consumer/sync/plan.ts';
import { placePatch, readWired } from '../consumer/wiring.ts';
import { yarnLockDescriptors, yarnNodeLinker } from '../consumer/yarn-config.ts';
import { say } from '../infra/progress.ts';

export interface SyncOptions {
  cwd?: string;
  dryRun?: boolean;
  allowUnverified?: boolean;
  json?: boolean;
  pm?: string;
  /** For tests: another manifest / patch folder. */
  manifestFile?: string;
  patchesDir?: string;
}

export interface SyncReport {
  packageManager: PackageManager;
  dryRun: boolean;
  writes: string[];
  removes: string[];
  packageJson: string[];
  wired: Array<{ package: string; version: string; file: string; fixes: string[]; unverified: boolean }>;
  /** Installed copies in an affected range left unpatched (no shipped patch, no --allow-unverified). */
  unpatched: Array<{ package: string; version: string; path: string; reason: string }>;
  /** npm / yarn classic: patches sync did not write beside the one it wires for the same package; each must be removed (exit 1). */
  conflicts: Array<{ file: string; target: string }>;
  warnings: string[];
  next: string[];
}

/**
 * sync: wire the one shipped patch for the exact version of every installed copy of
 * @clerk/clerk-js and @clerk/expo into the app, the way its package manager applies patches;
 * drop patches sync wrote earlier that no longer match. All file contents are computed first,
 * then written atomically; the ownership record is written last.
 */
export async function sync(opts: SyncOptions = {}): Promise<number> {
  const appDir = path.resolve(opts.cwd ?? process.cwd());
  if (opts.dryRun) return syncLocked(appDir, opts);
  readPackageJson(appDir); // a missing or broken package.json is reported before any lock is taken
  const release = acquireLock(appDir);
  try {
    return await syncLocked(appDir, opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') {
      throw new ToolError(
        `cannot write ${e.path ?? 'a file'} (${e.code}); nothing else was changed after that write`,
        'make the app folder writable (or run sync where you can write), then run sync again',
      );
    }
    throw err;
  } finally {
    release();
  }
}

export const LOCK_FILE = '.clerk-expo-patches.lock';

/** One sync at a time per app: an exclusive lock file holding the owner's pid. */
function acquireLock(appDir: string): () => void {
  const lock = path.join(appDir, LOCK_FILE);
  try {
    fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = readText(lock)?.trim() || 'unknown';
    throw new ToolError(
      `another clerk-expo-patches sync is running in ${appDir} (lock ${LOCK_FILE}, pid ${owner})`,
      `wait for it to finish; if no sync is running, delete ${lock}`,
    );
  }
  return () => fs.rmSync(lock, { force: true });
}

async function syncLocked(appDir: string, opts: SyncOptions): Promise<number> {
  const pj = readPackageJson(appDir);
  const pm = opts.pm ? parsePmOption(opts.pm) : detectPackageManager(appDir, pj.data).pm;
  const manifest = readManifest(opts.manifestFile ?? SHIPPED_MANIFEST);
  const patchesDir = opts.patchesDir ?? SHIPPED_PATCHES_DIR;
  const copies = findInstalled(appDir, TARGET_PACKAGES);
  if (copies.length === 0) {
    throw nothingInstalled(appDir, pm, `run \`${installCommand(pm)}\` first (sync wires patches for the versions actually installed)`);
  }
  const record = readOwnership(appDir, pm);
  const early: string[] = [];
  if (record.packageManager !== pm && record.patches.length) {
    early.push(
      `${OWNERSHIP_FILE} says sync last ran for ${record.packageManager}; now ${pm}. Patches wired for ${record.packageManager} are removed where they are still as sync wrote them.`,
    );
  }
  const {
    desired,
    unpatched,
    warnings,
    outOfDate: stale,
  } = await desiredPatches(pm, pj.data, copies, manifest, patchesDir, record, appDir, !!opts.allowUnverified);
  const current = readWired(appDir, pm, pj.data);
  const recordMissing = !fs.existsSync(path.join(appDir, OWNERSHIP_FILE));
  const plan = planSync({ pm, packageJson: pj.data, record, desired, current, read: (f) => readText(path.join(appDir, f)), recordMissing });
  plan.warnings.unshift(...early, ...warnings, ...stale);
  if (pm === 'yarn-berry') {
    const linker = yarnNodeLinker(appDir);
    if (linker !== 'node-modules')
      plan.warnings.push(
        `.yarnrc.yml has nodeLinker: ${linker ?? '(unset, i.e. pnp)'}; Expo and \`clerk-expo-patches check\` need \`nodeLinker: node-modules\`. Add it to .yarnrc.yml.`,
      );
  }

  const pjText = packageJsonText({ ...pj, data: plan.packageJson });
  const pjChanged = pjText !== fs.readFileSync(pj.file, 'utf8');
  const changed = plan.writes.length > 0 || plan.removes.length > 0 || pjChanged;
  const removedExpo = plan.removes.some((r) => record.patches.find((p) => p.file === r.file)?.package === '@clerk/expo');
  // patch-package cannot apply a changed patch over files an older one already patched: those copies need pristine files first.
  const replaced = usesPatchPackage(pm)
    ? plan.writes
        .filter((w) => record.patches.some((p) => p.file === w.file))
        .map((w) => plan.wired.find((d) => d.file === w.file)?.target)
        .filter((t): t is string => !!t)
    : [];
  const removeFirst = plan.conflicts.length ? [`rm ${[...new Set(plan.conflicts.map((c) => c.file))].join(' ')}`] : [];
  const next =
    changed || stale.length || removeFirst.length
      ? [
          ...removeFirst,
          ...(replaced.length ? [`rm -rf ${replaced.join(' ')}`] : []),
          installCommand(pm),
          ...(stale.length ? ['clerk-expo-patches sync'] : []),
          ...(plan.wired.some((d) => d.afterApply) || removedExpo ? ['npx expo prebuild --clean'] : []),
        ]
      : [];
  const report: SyncReport = {
    packageManager: pm,
    dryRun: !!opts.dryRun,
    writes: plan.writes.map((w) => w.file),
    removes: plan.removes.map((r) => r.file),
    packageJson: plan.packageJsonEdits,
    wired: plan.wired.map((d) => ({ package: d.package, version: d.version, file: d.file, fixes: d.fixes, unverified: d.unverified })),
    unpatched,
    conflicts: plan.conflicts,
    warnings: plan.warnings,
    next,
  };

  if (!opts.dryRun) apply(appDir, plan, pj.file, pjChanged ? pjText : undefined);
  printPlan(report, plan, appDir, opts.json ? say : (line) => process.stdout.write(`${line}\n`));
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return unpatched.length || plan.conflicts.length ? 1 : 0;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

interface Desired {
  desired: DesiredPatch[];
  outOfDate: string[];
  unpatched: SyncReport['unpatched'];
  warnings: string[];
}

async function desiredPatches(
  pm: PackageManager,
  pkg: Record<string, unknown>,
  copies: InstalledCopy[],
  manifest: Manifest,
  patchesDir: string,
  record: Ownership,
  appDir: string,
  allowUnverified: boolean,
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
    const fixes = metasFor(copy.name);
    const covering = fixesCovering(fixes, copy.version);
    const entry = manifest.patches.find((p) => p.package === copy.name && p.version === copy.version);
    if (entry) {
      const text = readShippedPatch(patchesDir, entry.patch);
      if (text === undefined || sha256(text) !== entry.patchSha256) {
        throw new ToolError(
          `the shipped patch ${entry.patch} is missing or does not match its manifest sha256`,
          'reinstall clerk-expo-patches (the package is damaged)',
        );
      }
      const place = placePatch(pm, pkg, copy, text, yarnDescriptorsFor(pm, appDir, copy, record));
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
    const det = await detectCopy(copy, manifest, fixes, () => fixCodeFor(copy.name));
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
    const place0 = placePatch(pm, pkg, copy, '', yarnDescriptorsFor(pm, appDir, copy, record));
    const prior = record.patches.find((p) => p.file === place0.file && p.unverified && p.version === copy.version);
    try {
      const { buildPatch } = await import('../codemod/run-fixes.ts');
      const built = buildPatch(snapshotFromDir(copy), await fixCodeFor(copy.name));
      if (!built) continue;
      const place = placePatch(pm, pkg, copy, built.patch, yarnDescriptorsFor(pm, appDir, copy, record));
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

/** Patch files first, then package.json, then the record; stale files are removed last. */
function apply(appDir: string, plan: Plan, pjFile: string, pjText: string | undefined): void {
  for (const w of plan.writes) writeFileAtomic(path.join(appDir, w.file), w.text);
  if (pjText !== undefined) writeFileAtomic(pjFile, pjText);
  const recordFile = path.join(appDir, OWNERSHIP_FILE);
  if (plan.recordText !== undefined) writeFileAtomic(recordFile, plan.recordText);
  else fs.rmSync(recordFile, { force: true });
  for (const r of plan.removes) fs.rmSync(path.join(appDir, r.file), { force: true });
}

/** The report for people: stdout, or stderr when stdout carries the JSON report. */
function printPlan(r: SyncReport, plan: Plan, appDir: string, say: (line: string) => void): void {
  const verb = r.dryRun ? 'would ' : '';
  say(`sync (${r.packageManager}) in ${appDir}${r.dryRun ? ' — dry run, nothing written' : ''}`);
  for (const w of plan.writes) say(`  + ${verb}write ${w.file}  (${w.reason})`);
  for (const x of plan.removes) say(`  - ${verb}remove ${x.file}  (${x.reason})`);
  for (const e of plan.packageJsonEdits) say(`  ~ ${verb}edit package.json: ${e}`);
  if (!plan.writes.length && !plan.removes.length && !plan.packageJsonEdits.length && !plan.conflicts.length)
    say('  nothing to change: every installed copy is wired as it should be');
  for (const d of plan.wired)
    if (!plan.writes.some((w) => w.file === d.file)) say(`  = ${d.file} (${d.package}@${d.version}) already wired`);
  for (const u of r.unpatched) say(`  ! ${u.package}@${u.version} (${u.path}): ${u.reason}`);
  for (const c of r.conflicts)
    say(
      `  ! remove ${c.file}: it also patches ${c.target}, and patch-package fails when two patches target one package (sync did not write it, so it does not delete it)`,
    );
  for (const w of r.warnings) say(`warning: ${w}`);
  if (r.next.length)
    say(
      `next: ${r.next.map((n) => `\`${n}\``).join(', then ')}${r.dryRun ? ' (after running sync without --dry-run)' : ''}; then \`clerk-expo-patches check\``,
    );
}
