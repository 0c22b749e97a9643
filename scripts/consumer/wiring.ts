import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { jsonDoc, WORKSPACE_FILE, type ConfigDoc, type ConfigFile } from './config-doc.ts';
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

/** The config key location for each package manager with native patching (in package.json). */
export const CONFIG_KEYS: Partial<Record<PackageManager, string[]>> = {
  pnpm: ['pnpm', 'patchedDependencies'],
  bun: ['patchedDependencies'],
  'yarn-berry': ['resolutions'],
};
/** pnpm's patch wiring in pnpm-workspace.yaml (pnpm 10.7 and later; the only place pnpm 11 and later read). */
export const WORKSPACE_KEYS = ['patchedDependencies'];

/** The map a ConfigRef points into: package.json or pnpm-workspace.yaml. */
export const configDocFor = (ref: { file?: ConfigFile }, pkgDoc: ConfigDoc, workspace: ConfigDoc | undefined): ConfigDoc | undefined =>
  ref.file === WORKSPACE_FILE ? workspace : pkgDoc;

/** "pnpm.patchedDependencies["x"] in package.json" / "patchedDependencies["x"] in pnpm-workspace.yaml". */
export const describeConfig = (c: { file?: ConfigFile; keys: readonly string[]; key: string }): string =>
  `${c.keys.join('.')}["${c.key}"] in ${c.file ?? 'package.json'}`;

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

/** `workspace`: the app's pnpm-workspace.yaml when it holds patch wiring (pnpm reads it too). */
export function readWired(appDir: string, pm: PackageManager, pkg: Record<string, unknown>, workspace?: ConfigDoc): Wired[] {
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
  if (pm === 'yarn-berry') return readYarnWired(pkg, keys);
  const places: Array<[ConfigDoc, string[]]> = [[jsonDoc(pkg), keys]];
  if (pm === 'pnpm' && workspace) places.push([workspace, WORKSPACE_KEYS]);
  for (const [doc, at] of places)
    for (const [key, value] of doc.entries(at)) {
      const config: ConfigRef = doc.file === WORKSPACE_FILE ? { file: WORKSPACE_FILE, keys: at, key, value } : { keys: at, key, value };
      const { name, version } = splitNameVersion(key);
      out.push({ package: name, version, file: value.replace(/^\.\//, ''), config });
    }
  return out;
}

/** yarn berry: `resolutions` entries, and a direct dependency that carries the patch itself ("@clerk/clerk-js": "patch:..."). */
function readYarnWired(pkg: Record<string, unknown>, keys: string[]): Wired[] {
  const out: Wired[] = [];
  for (const [key, value] of jsonDoc(pkg).entries(keys)) {
    const d = parseYarnPatchDescriptor(value);
    if (d) out.push({ package: d.name, version: d.version, file: d.file, config: { keys, key, value } });
  }
  for (const field of ['dependencies', 'devDependencies']) {
    for (const value of Object.values((pkg[field] as Record<string, unknown> | undefined) ?? {})) {
      const d = typeof value === 'string' ? parseYarnPatchDescriptor(value) : undefined;
      if (d) out.push({ package: d.name, version: d.version, file: d.file });
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
  opts: {
    /** yarn berry: the lockfile descriptors that resolved to this version (from yarn.lock). */
    yarnDescriptors?: readonly string[];
    /** pnpm: the file its version reads patch wiring from (default package.json). */
    pnpmFile?: ConfigFile;
  } = {},
): Placement {
  const yarnDescriptors = opts.yarnDescriptors ?? [];
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
        configs: [
          opts.pnpmFile === WORKSPACE_FILE
            ? { file: WORKSPACE_FILE, keys: WORKSPACE_KEYS, key: `${name}@${version}`, value: file }
            : { keys: CONFIG_KEYS.pnpm!, key: `${name}@${version}`, value: file },
        ],
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
