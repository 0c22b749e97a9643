import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { ToolError } from '../core/errors.ts';

/** An app's package.json, kept with its indentation and final newline so an edit is a small diff. */
export interface PackageJsonFile {
  file: string;
  data: Record<string, unknown>;
  indent: string;
  finalNewline: boolean;
}

export function readPackageJson(appDir: string): PackageJsonFile {
  const file = path.join(appDir, 'package.json');
  if (!fs.existsSync(file)) throw new ToolError(`no package.json in ${appDir}`, "run this in your app's root, or pass --cwd <app dir>");
  const text = fs.readFileSync(file, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ToolError(`${file} is not valid JSON (${(err as Error).message})`, 'fix the file, then run again');
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new ToolError(`${file} is not a JSON object`);
  const indent = /^\{\r?\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  return { file, data: data as Record<string, unknown>, indent, finalNewline: text.endsWith('\n') };
}

export const packageJsonText = (p: PackageJsonFile): string => `${JSON.stringify(p.data, null, p.indent)}${p.finalNewline ? '\n' : ''}`;

/** The object at a dotted path (created when `create`), e.g. ["pnpm", "patchedDependencies"]. */
export function objectAt(data: Record<string, unknown>, keys: readonly string[], create: boolean): Record<string, unknown> | undefined {
  let cur: Record<string, unknown> = data;
  for (const k of keys) {
    const next = cur[k];
    if (next && typeof next === 'object' && !Array.isArray(next)) cur = next as Record<string, unknown>;
    else if (create && next === undefined) {
      const fresh: Record<string, unknown> = {};
      cur[k] = fresh;
      cur = fresh;
    } else return undefined;
  }
  return cur;
}

/** Deletes an emptied object at a dotted path, and its emptied parents. */
export function pruneEmpty(data: Record<string, unknown>, keys: readonly string[]): void {
  for (let n = keys.length; n > 0; n--) {
    const parent = objectAt(data, keys.slice(0, n - 1), false);
    const obj = parent?.[keys[n - 1]!];
    if (parent && obj && typeof obj === 'object' && Object.keys(obj).length === 0) delete parent[keys[n - 1]!];
    else return;
  }
}

/** The patch-package step we add (npm, yarn classic): fail the install loudly when a patch does not apply. */
export const PATCH_PACKAGE_STEP = 'patch-package --error-on-fail';

/**
 * Our own step, first in the postinstall for every package manager: when sync wired a patch for
 * a version no longer installed (an upgrade PR changed package.json and the lockfile only), it
 * fails the install with what the new version still needs and the command that wires it, before
 * patch-package (or nothing, on pnpm / yarn berry / bun) would leave the new version unpatched.
 */
export const GUARD_STEP = 'clerk-expo-patches postinstall';

const HAS_PATCH_PACKAGE = /(^|[\s;&|(])(npx\s+|yarn\s+|pnpm\s+(exec\s+)?)?patch-package(\s|$|;|&|\|)/;
const HAS_GUARD = /(^|[\s;&|(])(npx\s+|yarn\s+|pnpm\s+(exec\s+)?|bunx\s+)?clerk-expo-patches\s+postinstall(\s|$|;|&|\|)/;

/**
 * Adds our steps to an existing postinstall without overwriting it: the guard first, then (npm,
 * yarn classic) patch-package, then whatever was there, so a failing later step cannot leave
 * node_modules unpatched. Steps already present (with any flags) are left as they are.
 * `added` is the prefix sync owns afterwards (what it added now, plus what it had added before
 * when the script still starts with it), so unmergePostinstall can take exactly that away.
 */
export function mergePostinstall(
  existing: string | undefined,
  withPatchPackage = true,
  addedBefore?: string,
): { value: string; changed: boolean; added: string | undefined } {
  const cur = existing?.trim() ?? '';
  const prefix = [
    ...(HAS_GUARD.test(cur) ? [] : [GUARD_STEP]),
    ...(withPatchPackage && !HAS_PATCH_PACKAGE.test(cur) ? [PATCH_PACKAGE_STEP] : []),
  ];
  const before = addedBefore && (cur === addedBefore || cur.startsWith(`${addedBefore} && `)) ? addedBefore : undefined;
  if (!prefix.length) return { value: existing!, changed: false, added: before };
  const value = [...prefix, ...(cur ? [cur] : [])].join(' && ');
  return { value, changed: true, added: [...prefix, ...(before ? [before] : [])].join(' && ') };
}

/** Undoes mergePostinstall: only the prefix sync added; undefined when nothing is left. */
export function unmergePostinstall(existing: string | undefined, added: string): { value: string | undefined; changed: boolean } {
  if (existing === undefined) return { value: undefined, changed: false };
  if (existing.trim() === added) return { value: undefined, changed: true };
  const lead = `${added} && `;
  if (existing.startsWith(lead)) return { value: existing.slice(lead.length), changed: true };
  return { value: existing, changed: false };
}

/** The range the app itself asks for (dependencies / devDependencies), when it is a plain semver range. */
export function declaredRange(pkg: Record<string, unknown>, name: string): string | undefined {
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    const v = (pkg[field] as Record<string, unknown> | undefined)?.[name];
    if (typeof v === 'string') {
      const r = v.replace(/^npm:/, '');
      return semver.validRange(r) ? r : undefined;
    }
  }
  return undefined;
}

/** A top-level copy the app asks for in another version than installed: the install is out of date. */
export function outOfDate(
  pkg: Record<string, unknown>,
  copy: { name: string; version: string; chain: readonly string[]; inStore: boolean },
): string | undefined {
  if (copy.chain.length !== 1 || copy.inStore) return undefined;
  const range = declaredRange(pkg, copy.name);
  return range && !semver.satisfies(copy.version, range) ? range : undefined;
}
