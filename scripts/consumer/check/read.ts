import fs from 'node:fs';
import path from 'node:path';
import { isTargetPackage } from '../../core/targets.ts';
import { readManifest } from '../../patch-file/manifest.ts';
import { detectCopy, type CopyDetection } from '../copy-detect.ts';
import type { FixSource } from '../fix-source.ts';
import { findInstalled, nothingInstalled, TARGET_PACKAGES, type InstalledCopy } from '../installed.ts';
import { findIosCopies, type IosCopy } from '../ios-copies.ts';
import { readOwnership } from '../ownership.ts';
import { outOfDate, readPackageJson } from '../package-json.ts';
import { detectPackageManager, installCommand, parsePmOption, type PackageManager } from '../package-manager.ts';
import { readWired, type Wired } from '../wiring.ts';
import { jsonDoc, readWorkspaceDocIfWired, WORKSPACE_FILE, type ConfigDoc, type ConfigFile } from '../config-doc.ts';
import { ALLOW_KEYS, pnpmVersion, type AllowUnusedKey, type PnpmVersion } from '../pnpm-version.ts';
import { config } from '../../infra/config.ts';
import { sha256 } from '../../infra/hash.ts';
import { SHIPPED_MANIFEST } from '../../infra/paths.ts';
import { bridgeState, readBridge, type BridgeState } from './ios-state.ts';

const fileSha256 = (file: string): string | undefined => {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return undefined;
  }
};

/** Everything check reads from the app, gathered before any decision (classify.ts decides). */
export interface CopyInput {
  copy: InstalledCopy;
  det: CopyDetection;
  /** The version package.json asks for when the installed copy is out of date with it. */
  wants: string | undefined;
}

export interface IosInput {
  ios: IosCopy;
  /** The installed @clerk/expo the copy is compared with. */
  expo: InstalledCopy;
  /** The app's copy, classified on its own. */
  state: BridgeState;
  /** The same file in node_modules, classified the same way; undefined when that version has none. */
  nodeModules: BridgeState | undefined;
  /** Byte-identical to the file in node_modules. */
  same: boolean;
}

export interface CheckInput {
  appDir: string;
  pm: PackageManager;
  copies: CopyInput[];
  /** Wired patches of the target packages (any author). */
  wired: Wired[];
  /** Patch files sync wrote (its record) and that are still byte-for-byte what it wrote: sync may remove them. */
  owned: Set<string>;
  unverified: Set<string>;
  ios: IosInput[];
  /** pnpm: its version as the app or the running pnpm says (never probed: check stays fast), and the allow-unused settings set. */
  pnpm?: { at: PnpmVersion; allowSettings: Array<{ file: ConfigFile; key: AllowUnusedKey }> };
}

export interface ReadOptions {
  cwd?: string;
  pm?: string;
  manifestFile?: string;
}

export async function readCheckInput(opts: ReadOptions, fixes: FixSource): Promise<CheckInput> {
  const appDir = path.resolve(opts.cwd ?? process.cwd());
  const pj = readPackageJson(appDir);
  const pm = opts.pm ? parsePmOption(opts.pm) : detectPackageManager(appDir, pj.data).pm;
  const manifest = readManifest(opts.manifestFile ?? SHIPPED_MANIFEST);
  const found = findInstalled(appDir, TARGET_PACKAGES);
  if (found.length === 0) {
    throw nothingInstalled(
      appDir,
      pm,
      `run \`${installCommand(pm)}\` before check (check reads the installed files), or pass --cwd <app dir>`,
    );
  }
  const record = readOwnership(appDir, pm);
  const copies: CopyInput[] = [];
  for (const copy of found) {
    const det = await detectCopy(copy, manifest, fixes.metasFor(copy.name), () => fixes.loadFixes(copy.name));
    copies.push({ copy, det, wants: outOfDate(pj.data, copy) });
  }
  const expo =
    found.find((c) => c.name === '@clerk/expo' && c.chain.length === 1 && !c.inStore) ?? found.find((c) => c.name === '@clerk/expo');
  const ios: IosInput[] = [];
  if (expo) {
    const metas = fixes.metasFor('@clerk/expo');
    const load = () => fixes.loadFixes('@clerk/expo');
    for (const copy of findIosCopies(appDir)) {
      const text = fs.readFileSync(path.join(appDir, copy.file));
      const nm = readBridge(expo.dir, copy.source);
      ios.push({
        ios: copy,
        expo,
        state: await bridgeState(text, copy.source, manifest, expo.version, metas, load),
        nodeModules: nm && (await bridgeState(nm, copy.source, manifest, expo.version, metas, load)),
        same: !!nm && nm.equals(text),
      });
    }
  }
  const workspace = pm === 'pnpm' ? readWorkspaceDocIfWired(appDir) : undefined;
  return {
    appDir,
    pm,
    copies,
    wired: readWired(appDir, pm, pj.data, workspace).filter((w) => isTargetPackage(w.package)),
    owned: new Set(record.patches.filter((p) => fileSha256(path.join(appDir, p.file)) === p.sha256).map((p) => p.file)),
    unverified: new Set(record.patches.filter((p) => p.unverified).map((p) => p.file)),
    ios,
    ...(pm === 'pnpm' ? { pnpm: { at: pnpmVersion(pj.data, config().userAgent), allowSettings: allowSettings(pj.data, workspace) } } : {}),
  };
}

function allowSettings(pkg: Record<string, unknown>, workspace: ConfigDoc | undefined): Array<{ file: ConfigFile; key: AllowUnusedKey }> {
  const pkgDoc = jsonDoc(pkg);
  const at = (file: ConfigFile, key: AllowUnusedKey) => [{ file, key }];
  return ALLOW_KEYS.flatMap((key) => [
    ...(pkgDoc.get(['pnpm'], key) !== undefined ? at('package.json', key) : []),
    ...(workspace?.get([], key) !== undefined ? at(WORKSPACE_FILE, key) : []),
  ]);
}
