import fs from 'node:fs';
import path from 'node:path';
import { metasFor } from '../fixes/catalog.ts';
import { fixCodeFor } from './fix-code.ts';
import { ToolError } from '../core/errors.ts';
import { findInstalled, nothingInstalled, TARGET_PACKAGES } from '../consumer/installed.ts';
import { readManifest } from '../patch-file/manifest.ts';
import { readOwnership, OWNERSHIP_FILE } from '../consumer/ownership.ts';
import { readPackageJson, packageJsonText } from '../consumer/package-json.ts';
import { detectPackageManager, installCommand, parsePmOption, usesPatchPackage } from '../consumer/package-manager.ts';
import { readWorkspaceDoc, WORKSPACE_FILE } from '../consumer/config-doc.ts';
import { ignoresPackageJsonField, pnpmVersion, pnpmWiring, probePnpmOnPath, type PnpmWiring } from '../consumer/pnpm-version.ts';
import { config } from '../infra/config.ts';
import { readText, SHIPPED_MANIFEST, SHIPPED_PATCHES_DIR, toolVersion } from '../infra/paths.ts';
import { planSync } from '../consumer/sync/plan.ts';
import { CONFIG_KEYS, readWired, WORKSPACE_KEYS } from '../consumer/wiring.ts';
import { yarnBerryMajor, yarnNodeLinker } from '../consumer/yarn-config.ts';
import { acquireLock } from '../consumer/sync/lock.ts';
import { desiredPatches } from '../consumer/sync/desired.ts';
import { applyPlan } from '../consumer/sync/apply.ts';
import { printPlan, type SyncReport } from '../consumer/sync/report.ts';
import { say } from '../infra/progress.ts';

export { LOCK_FILE } from '../consumer/sync/lock.ts';
export type { SyncReport } from '../consumer/sync/report.ts';

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

async function syncLocked(appDir: string, opts: SyncOptions): Promise<number> {
  const pj = readPackageJson(appDir);
  const pm = opts.pm ? parsePmOption(opts.pm) : detectPackageManager(appDir, pj.data).pm;
  if (pm === 'yarn-berry' && yarnBerryMajor(pj.data, config().userAgent, appDir) === 3) {
    // Tried with yarn 3.8.7 (docs/compatibility.md): it ignores yarn 4's `name@npm:x` resolution keys and `~/` patch paths.
    throw new ToolError(
      'yarn 3 is not supported: sync writes the resolutions form of yarn 4, which yarn 3 ignores (the install would stay unpatched); nothing was written',
      'move the app to yarn 4 (`yarn set version 4`, then `yarn install`), then run sync again',
    );
  }
  const manifest = readManifest(opts.manifestFile ?? SHIPPED_MANIFEST);
  const patchesDir = opts.patchesDir ?? SHIPPED_PATCHES_DIR;
  const copies = findInstalled(appDir, TARGET_PACKAGES);
  if (copies.length === 0) {
    throw nothingInstalled(appDir, pm, `run \`${installCommand(pm)}\` first (sync wires patches for the versions actually installed)`);
  }
  const record = readOwnership(appDir, pm);
  const early: string[] = [];
  // pnpm: which version, and so which file it reads patch wiring from (a broken pnpm-workspace.yaml stops here, exit 2).
  const workspace = pm === 'pnpm' ? readWorkspaceDoc(appDir) : undefined;
  const pnpmAt = pm === 'pnpm' ? pnpmVersion(pj.data, config().userAgent, probePnpmOnPath) : undefined;
  const pnpm: PnpmWiring | undefined =
    pnpmAt &&
    pnpmWiring(pnpmAt, {
      workspaceExists: !!workspace?.existed,
      workspaceHasPatches: !!workspace?.entries(WORKSPACE_KEYS).length,
      packageJsonHasPatches:
        Object.keys((pj.data.pnpm as { patchedDependencies?: object } | undefined)?.patchedDependencies ?? {}).length > 0,
    });
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
  } = await desiredPatches(
    pm,
    pj.data,
    copies,
    manifest,
    patchesDir,
    record,
    appDir,
    !!opts.allowUnverified,
    {
      metasFor,
      loadFixes: fixCodeFor,
    },
    pnpm?.file,
  );
  const current = readWired(appDir, pm, pj.data, workspace);
  const recordMissing = !fs.existsSync(path.join(appDir, OWNERSHIP_FILE));
  const plan = planSync({
    pm,
    packageJson: pj.data,
    record,
    desired,
    current,
    read: (f) => readText(path.join(appDir, f)),
    recordMissing,
    ...(pnpm ? { pnpm } : {}),
    ...(workspace ? { workspace } : {}),
    ...(toolVersion() ? { selfVersion: toolVersion() } : {}),
  });
  plan.warnings.unshift(...early, ...warnings, ...stale);
  if (pnpmAt && ignoresPackageJsonField(pnpmAt)) {
    // Patches someone else wired in package.json: this pnpm does not read them.
    const ours = new Set(record.patches.flatMap((p) => (p.configs ?? []).map((c) => c.key)));
    const foreign = current.filter((w) => w.config && !w.config.file && !ours.has(w.config.key)).map((w) => w.config!.key);
    if (foreign.length)
      plan.warnings.push(
        `package.json ${CONFIG_KEYS.pnpm!.join('.')} has ${foreign.map((k) => `"${k}"`).join(', ')}, which pnpm 11 and later ignore (they read only ${WORKSPACE_FILE}): move those entries to patchedDependencies in ${WORKSPACE_FILE}`,
      );
  }
  if (pm === 'yarn-berry') {
    const linker = yarnNodeLinker(appDir);
    if (linker !== 'node-modules')
      plan.warnings.push(
        `.yarnrc.yml has nodeLinker: ${linker ?? '(unset, i.e. pnp)'}; Expo and \`clerk-expo-patches check\` need \`nodeLinker: node-modules\`. Add it to .yarnrc.yml.`,
      );
  }

  const pjText = packageJsonText({ ...pj, data: plan.packageJson });
  const pjChanged = pjText !== fs.readFileSync(pj.file, 'utf8');
  const changed = plan.writes.length > 0 || plan.removes.length > 0 || pjChanged || plan.workspaceText !== undefined;
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
    ...(pm === 'pnpm' ? { workspace: plan.workspaceEdits } : {}),
    ...(pnpm && pnpmAt ? { pnpm: { version: pnpmAt.version ?? null, from: pnpmAt.from, wiring: pnpm.file, allowKey: pnpm.allowKey } } : {}),
    wired: plan.wired.map((d) => ({ package: d.package, version: d.version, file: d.file, fixes: d.fixes, unverified: d.unverified })),
    unpatched,
    conflicts: plan.conflicts,
    warnings: plan.warnings,
    next,
  };

  if (!opts.dryRun) applyPlan(appDir, plan, pj.file, pjChanged ? pjText : undefined);
  printPlan(report, plan, appDir, opts.json ? say : (line) => process.stdout.write(`${line}\n`));
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return unpatched.length || plan.conflicts.length ? 1 : 0;
}
