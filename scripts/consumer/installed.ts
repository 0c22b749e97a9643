/**
 * Consumer (an Expo app's developers and CI): installed copies (installed.ts, ios-copies.ts),
 * their detection (copy-detect.ts: manifest sha256 first, detect() only on a miss), package
 * managers and their wiring (package-manager.ts, yarn-config.ts, wiring.ts, package-json.ts),
 * what sync wrote (ownership.ts) and the plan of writes (sync/). Never imports the producer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type PackageSnapshot } from '../core/fix.ts';
import { ToolError } from '../core/errors.ts';
export { TARGET_PACKAGES } from '../core/targets.ts';
import type { PackageManager } from './package-manager.ts';
import { yarnNodeLinker } from './yarn-config.ts';

/**
 * Every installed copy of the packages we patch that the app can reach, found by walking its
 * node_modules from the top: hoisted copies, nested ones
 * (node_modules/@clerk/expo/node_modules/@clerk/clerk-js), and copies in pnpm's / bun's
 * content stores (node_modules/.pnpm/<id>/node_modules/<name>), reached through the symlinks
 * the store is wired with: a package's dependencies are its siblings in the store entry.
 * Unreachable leftovers in a store (an old unpatched entry) are not installed copies.
 * Copies are keyed by their real path, so a symlinked copy counts once.
 */
export interface InstalledCopy {
  name: string;
  version: string;
  /** Real path of the package folder. */
  dir: string;
  /** Where the app sees it, relative to the app root, posix: node_modules/@clerk/clerk-js. */
  relPath: string;
  /** Package names from the top-level node_modules down to this copy (patch-package's nesting). */
  chain: string[];
  /** True when the copy is reachable only inside a content store (.pnpm / .bun), not a plain node_modules tree. */
  inStore: boolean;
}

const STORES = new Set(['.pnpm', '.bun']);

export function findInstalled(appDir: string, names: readonly string[]): InstalledCopy[] {
  const wanted = new Set(names);
  const found = new Map<string, InstalledCopy>();
  const seenDirs = new Set<string>();
  const seenPkgs = new Set<string>();
  let root: string;
  try {
    root = fs.realpathSync.native(appDir);
  } catch {
    return [];
  }

  /** `plainDir`: a directory (not a symlink) in a folder already resolved, so pkgDir is its real path. */
  const visitPackage = (pkgDir: string, name: string, rel: string, chain: string[], inStore: boolean, plainDir: boolean) => {
    let real: string;
    if (plainDir) real = pkgDir;
    else {
      try {
        real = fs.realpathSync.native(pkgDir);
      } catch {
        return; // a dangling symlink
      }
    }
    if (wanted.has(name)) {
      const version = readVersion(real);
      const prev = found.get(real);
      if (version && (!prev || (prev.inStore && !inStore))) found.set(real, { name, version, dir: real, relPath: rel, chain, inStore });
    }
    if (seenPkgs.has(real)) return;
    seenPkgs.add(real);
    visitNodeModules(path.join(real, 'node_modules'), `${rel}/node_modules`, chain, inStore);
    // A store entry (pnpm, bun isolated): the dependencies are the siblings of the real folder.
    const container = path.dirname(name.includes('/') ? path.dirname(real) : real);
    if (path.basename(container) === 'node_modules') {
      const relContainer = path.relative(root, container).split(path.sep).join('/');
      const isStore = relContainer.split('/').some((seg) => STORES.has(seg));
      visitNodeModules(container, relContainer, isStore ? [] : chain.slice(0, -1), inStore || isStore);
    }
  };

  const visitNodeModules = (nm: string, rel: string, chain: string[], inStore: boolean) => {
    if (seenDirs.has(nm)) return;
    seenDirs.add(nm);
    // Most packages have no node_modules of their own: one failed readdir, no realpath call.
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(nm, { withFileTypes: true });
    } catch {
      return;
    }
    let real: string;
    try {
      real = fs.realpathSync.native(nm);
    } catch {
      return;
    }
    if (real !== nm && seenDirs.has(real)) return;
    seenDirs.add(real);
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (e.name.startsWith('@')) {
        const scope = e.isDirectory() ? path.join(real, e.name) : realOrUndefined(path.join(real, e.name));
        if (!scope) continue;
        for (const sub of safeReaddir(scope)) {
          const name = `${e.name}/${sub.name}`;
          visitPackage(path.join(scope, sub.name), name, `${rel}/${name}`, [...chain, name], inStore, sub.isDirectory());
        }
      } else {
        visitPackage(path.join(real, e.name), e.name, `${rel}/${e.name}`, [...chain, e.name], inStore, e.isDirectory());
      }
    }
  };

  visitNodeModules(path.join(appDir, 'node_modules'), 'node_modules', [], false);
  return [...found.values()].sort((a, b) => (a.name === b.name ? cmp(a.relPath, b.relPath) : cmp(a.name, b.name)));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function safeReaddir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  } catch {
    return [];
  }
}

function realOrUndefined(p: string): string | undefined {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return undefined;
  }
}

function readVersion(dir: string): string | undefined {
  try {
    const v = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** An installed copy as the fixes see a package: its package.json and a lazy reader of its files. */
export function snapshotFromDir(copy: InstalledCopy): PackageSnapshot {
  const files: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' && rel === '') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (e.isFile()) files.push(r);
    }
  };
  walk(copy.dir, '');
  files.sort();
  const texts = new Map<string, string>();
  return {
    name: copy.name,
    version: copy.version,
    packageJson: JSON.parse(fs.readFileSync(path.join(copy.dir, 'package.json'), 'utf8')) as Record<string, unknown>,
    files,
    read(p) {
      let t = texts.get(p);
      if (t === undefined) {
        try {
          t = fs.readFileSync(path.join(copy.dir, p), 'utf8');
        } catch {
          return undefined;
        }
        texts.set(p, t);
      }
      return t;
    },
  };
}

/** The tool error when no copy is installed, with the next step (yarn berry under PnP has no node_modules at all). */
export function nothingInstalled(appDir: string, pm: PackageManager, next: string): ToolError {
  const pnp = pm === 'yarn-berry' && yarnNodeLinker(appDir) !== 'node-modules';
  return new ToolError(
    `no installed @clerk/clerk-js or @clerk/expo under ${path.join(appDir, 'node_modules')}`,
    pnp
      ? "yarn is using Plug'n'Play (no node_modules); Expo needs `nodeLinker: node-modules` in .yarnrc.yml: add it, run `yarn install`, then run this again"
      : next,
  );
}
