import fs from 'node:fs';
import path from 'node:path';
import { metasFor } from '../fixes/catalog.ts';
import { findInstalled, TARGET_PACKAGES } from '../consumer/installed.ts';
import { readOwnership, OWNERSHIP_FILE } from '../consumer/ownership.ts';
import { readPackageJson } from '../consumer/package-json.ts';
import { detectPackageManager, parsePmOption, type PackageManager } from '../consumer/package-manager.ts';
import { upgradeGapMessage, upgradeGaps } from '../consumer/upgrade-gap.ts';
import { readManifest } from '../patch-file/manifest.ts';
import { SHIPPED_MANIFEST, toolVersion } from '../infra/paths.ts';

export interface PostinstallOptions {
  cwd?: string;
  pm?: string;
  /** For tests: another manifest. */
  manifestFile?: string;
}

/**
 * The guard sync puts first in the app's postinstall (every package manager). Silent, exit 0,
 * when every patch sync wired is for a version that is installed (or sync wired nothing). After
 * an upgrade that changed package.json and the lockfile only, exit 1 with what the new version
 * still needs, what it no longer needs, and the command that wires it: before patch-package
 * tries the old patch on the new files (npm, yarn classic), and instead of an install that
 * leaves the new version unpatched without a word (pnpm, yarn berry, bun).
 * Reads the record, the manifest and package.json versions only: no parser.
 */
export function postinstall(opts: PostinstallOptions = {}): number {
  const appDir = path.resolve(opts.cwd ?? process.cwd());
  if (!fs.existsSync(path.join(appDir, OWNERSHIP_FILE))) return 0;
  const pj = readPackageJson(appDir);
  // A first install may run before the lockfile exists: the record names the package manager sync wired for.
  const recorded = readOwnership(appDir, 'npm');
  let pm: PackageManager;
  try {
    pm = opts.pm ? parsePmOption(opts.pm) : detectPackageManager(appDir, pj.data).pm;
  } catch {
    pm = recorded.packageManager;
  }
  const record = { ...recorded, packageManager: pm };
  if (!record.patches.length) return 0;
  const copies = findInstalled(appDir, TARGET_PACKAGES);
  const gaps = upgradeGaps(record, copies, readManifest(opts.manifestFile ?? SHIPPED_MANIFEST), metasFor, pm);
  if (!gaps.length) return 0;
  process.stderr.write(`${upgradeGapMessage(gaps, pm, toolVersion() ?? '(unknown version)')}\n`);
  return 1;
}
