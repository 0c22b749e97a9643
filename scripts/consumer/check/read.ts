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
  return {
    appDir,
    pm,
    copies,
    wired: readWired(appDir, pm, pj.data).filter((w) => isTargetPackage(w.package)),
    owned: new Set(record.patches.filter((p) => fileSha256(path.join(appDir, p.file)) === p.sha256).map((p) => p.file)),
    unverified: new Set(record.patches.filter((p) => p.unverified).map((p) => p.file)),
    ios,
  };
}
