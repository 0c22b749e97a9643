import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { objectAt } from './package-json.ts';
import type { ConfigRef } from './ownership.ts';
import type { PackageManager } from './package-manager.ts';
import {
  bunFileName,
  nodeModulesPath,
  parsePatchPackageFileName,
  patchPackageFileName,
  pnpmFileName,
  toNested,
  toPackageRelative,
  yarnFileName,
  yarnResolution,
} from '../patch-file/names.ts';

/**
 * How a package manager wires a patch, both ways: where sync puts a patch for a copy (file name,
 * paths inside, config entry) and which patches an app has wired today (read from its config
 * and patch folder, for check and for sync's conflict detection).
 */

/** A patch the app has wired, whoever wrote it. */
export interface Wired {
  package: string;
  /** undefined when the entry covers every version (pnpm/bun "name" keys). */
  version: string | undefined;
  /** npm / yarn classic: the node_modules path patch-package applies it to. */
  target?: string;
  /** App-relative posix path of the patch file. */
  file: string;
  config?: ConfigRef;
}

/** The config key location for each package manager with native patching. */
export const CONFIG_KEYS: Partial<Record<PackageManager, string[]>> = {
  pnpm: ['pnpm', 'patchedDependencies'],
  bun: ['patchedDependencies'],
  'yarn-berry': ['resolutions'],
};

/** patch-package's patch folder: `--patch-dir <dir>` in the postinstall, else patches/. */
export function patchPackageDir(pkg: Record<string, unknown>): string {
  const post = (pkg.scripts as Record<string, unknown> | undefined)?.postinstall;
  const m = typeof post === 'string' ? /patch-package[^;&|]*--patch-dir[= ](\S+)/.exec(post) : null;
  return (m?.[1] ?? 'patches').replace(/\/+$/, '');
}

/** Splits "name@version" / "@scope/name@version" / "name". */
export function splitNameVersion(spec: string): { name: string; version: string | undefined } {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return { name: spec, version: undefined };
  const v = spec.slice(at + 1);
  return { name: spec.slice(0, at), version: semver.valid(v) ? v : undefined };
}

/** Parses a yarn patch: descriptor: patch:@clerk/clerk-js@npm%3A6.7.1#~/.yarn/patches/x.patch */
export function parseYarnPatchDescriptor(value: string): { name: string; version: string | undefined; file: string } | undefined {
  const m = /^patch:(@?[^@#]+)@([^#]+)#(.+)$/.exec(value);
  if (!m) return undefined;
  const range = decodeURIComponent(m[2]!).replace(/^npm:/, '');
  const file = m[3]!.replace(/::.*$/, '').replace(/^~\//, '').replace(/^\.\//, '');
  return { name: m[1]!, version: semver.valid(range) ?? undefined, file };
}

export function readWired(appDir: string, pm: PackageManager, pkg: Record<string, unknown>): Wired[] {
  const out: Wired[] = [];
  if (pm === 'npm' || pm === 'yarn-classic') {
    const dir = patchPackageDir(pkg);
    let files: string[] = [];
    try {
      files = fs.readdirSync(path.join(appDir, dir)).filter((f) => f.endsWith('.patch'));
    } catch {
      /* no patch folder */
    }
    for (const f of files.sort()) {
      const parsed = parsePatchPackageFileName(f);
      if (!parsed) continue;
      out.push({
        package: parsed.chain[parsed.chain.length - 1]!,
        version: parsed.version,
        target: nodeModulesPath(parsed.chain),
        file: `${dir}/${f}`,
      });
    }
    return out;
  }
  const keys = CONFIG_KEYS[pm]!;
  const obj = objectAt(pkg, keys, false) ?? {};
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value !== 'string') continue;
    if (pm === 'yarn-berry') {
      const d = parseYarnPatchDescriptor(value);
      if (d) out.push({ package: d.name, version: d.version, file: d.file, config: { keys, key, value } });
    } else {
      const { name, version } = splitNameVersion(key);
      out.push({ package: name, version, file: value.replace(/^\.\//, ''), config: { keys, key, value } });
    }
  }
  if (pm === 'yarn-berry') {
    // A direct dependency can carry the patch itself ("@clerk/clerk-js": "patch:...").
    for (const field of ['dependencies', 'devDependencies']) {
      for (const value of Object.values((pkg[field] as Record<string, unknown> | undefined) ?? {})) {
        const d = typeof value === 'string' ? parseYarnPatchDescriptor(value) : undefined;
        if (d) out.push({ package: d.name, version: d.version, file: d.file });
      }
    }
  }
  return out;
}

/** Where sync puts the patch for one copy, and its text in that package manager's path form. */
export interface Placement {
  file: string;
  text: string;
  configs: ConfigRef[];
  /** npm / yarn classic: the node_modules path it applies to. */
  target?: string;
}

export function placePatch(
  pm: PackageManager,
  pkg: Record<string, unknown>,
  copy: { name: string; version: string; chain: readonly string[] },
  patchPackageText: string,
  /** yarn berry: the lockfile descriptors that resolved to this version (from yarn.lock). */
  yarnDescriptors: readonly string[] = [],
): Placement {
  const { name, version } = copy;
  switch (pm) {
    case 'npm':
    case 'yarn-classic': {
      const chain = copy.chain.length ? copy.chain : [name];
      return {
        file: `${patchPackageDir(pkg)}/${patchPackageFileName(chain, version)}`,
        text: toNested(patchPackageText, name, chain),
        target: nodeModulesPath(chain),
        configs: [],
      };
    }
    case 'pnpm': {
      const file = `patches/${pnpmFileName(name, version)}`;
      return {
        file,
        text: toPackageRelative(patchPackageText, name),
        configs: [{ keys: CONFIG_KEYS.pnpm!, key: `${name}@${version}`, value: file }],
      };
    }
    case 'bun': {
      const file = `patches/${bunFileName(name, version)}`;
      return {
        file,
        text: toPackageRelative(patchPackageText, name),
        configs: [{ keys: CONFIG_KEYS.bun!, key: `${name}@${version}`, value: file }],
      };
    }
    case 'yarn-berry': {
      const file = `.yarn/patches/${yarnFileName(name, version)}`;
      // A resolution matches a descriptor (name@npm:<range>) literally: one entry per range that resolved to this version.
      const keys = CONFIG_KEYS['yarn-berry']!;
      const value = yarnResolution(name, version, file).value;
      const descriptors = yarnDescriptors.length ? yarnDescriptors : [`${name}@npm:${version}`];
      return { file, text: toPackageRelative(patchPackageText, name), configs: descriptors.map((key) => ({ keys, key, value })) };
    }
  }
}
