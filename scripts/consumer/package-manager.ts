import fs from 'node:fs';
import path from 'node:path';
import { ToolError } from '../core/errors.ts';

/**
 * Which package manager an app uses, from its lockfile, and how each one wires a patch.
 * npm and yarn classic run patch-package from the app's postinstall; pnpm, yarn berry and bun
 * apply patches natively from their own config, with paths relative to the package.
 */
export type PackageManager = 'npm' | 'yarn-classic' | 'yarn-berry' | 'pnpm' | 'bun';
export const PACKAGE_MANAGERS: readonly PackageManager[] = ['npm', 'yarn-classic', 'yarn-berry', 'pnpm', 'bun'];

export interface Detected {
  pm: PackageManager;
  /** The file (or field) it was detected from. */
  from: string;
}

const LOCKFILES: Array<[string, (dir: string) => PackageManager]> = [
  ['package-lock.json', () => 'npm'],
  ['npm-shrinkwrap.json', () => 'npm'],
  ['pnpm-lock.yaml', () => 'pnpm'],
  ['yarn.lock', (dir) => (isBerryLockfile(fs.readFileSync(path.join(dir, 'yarn.lock'), 'utf8')) ? 'yarn-berry' : 'yarn-classic')],
  ['bun.lock', () => 'bun'],
  ['bun.lockb', () => 'bun'],
];

/** Yarn berry's lockfile is YAML with a __metadata block; classic's is its own format without one. */
export const isBerryLockfile = (text: string): boolean => /^__metadata:/m.test(text);

/** The `packageManager` field (corepack): "pnpm@9.15.0", "yarn@4.5.0", "yarn@1.22.22", "npm@11", "bun@1.2". */
export function fromPackageManagerField(field: unknown): PackageManager | undefined {
  if (typeof field !== 'string') return undefined;
  const m = /^(npm|pnpm|yarn|bun)@(\d+)/.exec(field);
  if (!m) return undefined;
  if (m[1] === 'yarn') return Number(m[2]) >= 2 ? 'yarn-berry' : 'yarn-classic';
  return m[1] as PackageManager;
}

export function detectPackageManager(appDir: string, packageJson: Record<string, unknown>): Detected {
  const hits = LOCKFILES.filter(([f]) => fs.existsSync(path.join(appDir, f))).map(([f, kind]) => ({ pm: kind(appDir), from: f }));
  const kinds = [...new Set(hits.map((h) => h.pm))];
  const field = fromPackageManagerField(packageJson.packageManager);
  if (kinds.length === 1) return hits[0]!;
  if (kinds.length > 1) {
    const pick = field && hits.find((h) => h.pm === field);
    if (pick) return pick;
    throw new ToolError(
      `${appDir} has lockfiles of more than one package manager (${hits.map((h) => h.from).join(', ')})`,
      'delete the stale lockfile(s), or pass --pm npm|pnpm|yarn-berry|yarn-classic|bun',
    );
  }
  if (field) return { pm: field, from: 'package.json "packageManager"' };
  throw new ToolError(`no lockfile in ${appDir}`, 'run your install first (npm install / pnpm install / yarn / bun install), or pass --pm');
}

export function parsePmOption(v: string | undefined): PackageManager {
  const alias: Record<string, PackageManager> = { yarn: 'yarn-berry', berry: 'yarn-berry', classic: 'yarn-classic' };
  const pm = (v && (alias[v] ?? v)) as PackageManager;
  if (!PACKAGE_MANAGERS.includes(pm)) throw new ToolError(`--pm needs one of: ${PACKAGE_MANAGERS.join(', ')}`);
  return pm;
}

export const installCommand = (pm: PackageManager): string =>
  ({ npm: 'npm install', 'yarn-classic': 'yarn install', 'yarn-berry': 'yarn install', pnpm: 'pnpm install', bun: 'bun install' })[pm];

/** npm and yarn classic have no native patching: patch-package runs from the app's postinstall. */
export const usesPatchPackage = (pm: PackageManager): boolean => pm === 'npm' || pm === 'yarn-classic';
