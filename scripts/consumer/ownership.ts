import fs from 'node:fs';
import path from 'node:path';
import { ToolError } from '../core/errors.ts';
import type { WORKSPACE_FILE } from './config-doc.ts';
import type { PackageManager } from './package-manager.ts';

/**
 * .clerk-expo-patches.json in the app: what sync wrote, so a later sync removes exactly its own
 * patches and config entries (and only while they are still as it wrote them), and never a
 * patch the app's developers wrote.
 */
export const OWNERSHIP_FILE = '.clerk-expo-patches.json';

/** A config entry sync set: the map at `keys`, entry `key` = `value`, in package.json or (`file`) pnpm-workspace.yaml. */
export interface ConfigRef {
  /** Absent: package.json. */
  file?: typeof WORKSPACE_FILE;
  keys: string[];
  key: string;
  value: string;
}

export interface OwnedPatch {
  package: string;
  version: string;
  /** App-relative posix path of the patch file. */
  file: string;
  sha256: string;
  configs?: ConfigRef[];
  fixes: string[];
  /** Built on this machine by --allow-unverified from the installed files; not a shipped, verified patch. */
  unverified?: true;
}

export interface Ownership {
  schema: 1;
  tool: 'clerk-expo-patches';
  packageManager: PackageManager;
  patches: OwnedPatch[];
  /**
   * package.json edits sync made, undone when no patch is left: the postinstall prefix it added
   * (its guard, and patch-package on npm / yarn classic), patch-package as a devDependency, and
   * on pnpm the setting that lets an install go on past an unused patch (so the guard can speak),
   * in package.json's `pnpm` field or (`pnpmAllowUnusedIn`) pnpm-workspace.yaml, and that
   * pnpm-workspace.yaml itself when sync created it (removed again once sync's entries are gone).
   */
  added: {
    postinstall?: string;
    devDependency?: string;
    pnpmAllowUnused?: string;
    pnpmAllowUnusedIn?: typeof WORKSPACE_FILE;
    workspaceCreated?: true;
  };
}

export const emptyOwnership = (pm: PackageManager): Ownership => ({
  schema: 1,
  tool: 'clerk-expo-patches',
  packageManager: pm,
  patches: [],
  added: {},
});

export function readOwnership(appDir: string, pm: PackageManager): Ownership {
  const file = path.join(appDir, OWNERSHIP_FILE);
  if (!fs.existsSync(file)) return emptyOwnership(pm);
  let o: Ownership;
  try {
    o = JSON.parse(fs.readFileSync(file, 'utf8')) as Ownership;
  } catch (err) {
    throw new ToolError(
      `${file} is not valid JSON (${(err as Error).message})`,
      `restore it from git; without it sync cannot tell its own patches from yours`,
    );
  }
  if (o.schema !== 1 || !Array.isArray(o.patches)) throw new ToolError(`${file} is not a schema-1 record`, 'restore it from git');
  return { ...o, added: o.added ?? {} };
}

export const ownershipText = (o: Ownership): string => `${JSON.stringify(o, null, 2)}\n`;
