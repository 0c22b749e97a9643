import { spawnSync } from 'node:child_process';
import semver from 'semver';
import { WORKSPACE_FILE, type ConfigFile } from './config-doc.ts';

/**
 * Which pnpm an app installs with, and where that pnpm reads patch wiring from. The facts, from
 * pnpm's own release notes (pnpm/pnpm CHANGELOG) and tried here by `npm run compat`:
 * - pnpm 11 and later no longer read the `pnpm` field of package.json ("The "pnpm" field in
 *   package.json is no longer read by pnpm"): patchedDependencies and allowUnusedPatches live in
 *   pnpm-workspace.yaml. 11.0.0 also removed allowNonAppliedPatches.
 * - pnpm 10.7.0 added allowUnusedPatches (and ERR_PNPM_UNUSED_PATCH); 10.7 and later read patch
 *   settings from either place.
 * - pnpm 9 and 10.0–10.6 know only allowNonAppliedPatches, in package.json; 10.0.0 refuses a
 *   pnpm-workspace.yaml without `packages:`, so sync does not create one for them.
 */
export interface PnpmVersion {
  /** undefined: nothing said which pnpm (then the newest behaviour is assumed). */
  version: string | undefined;
  /** Where the version came from, for the words sync prints. */
  from: string;
}

const versionIn = (spec: unknown): string | undefined => {
  if (typeof spec !== 'string') return undefined;
  return semver.valid(spec.split('+')[0]) ?? semver.coerce(spec)?.version ?? undefined;
};

/** The version from package.json or the running pnpm; `probe` asks the pnpm on PATH (sync only). */
export function pnpmVersion(
  pkg: Record<string, unknown>,
  userAgent: string | undefined,
  probe: (() => string | undefined) | undefined = undefined,
): PnpmVersion {
  const field = typeof pkg.packageManager === 'string' ? /^pnpm@(.+)$/.exec(pkg.packageManager) : null;
  const fromField = versionIn(field?.[1]);
  if (fromField) return { version: fromField, from: 'package.json "packageManager"' };
  const engines = (pkg.devEngines as { packageManager?: unknown } | undefined)?.packageManager;
  const declared = (Array.isArray(engines) ? engines : [engines]).find(
    (e): e is { name: string; version?: string } => !!e && typeof e === 'object' && (e as { name?: unknown }).name === 'pnpm',
  );
  const fromEngines = declared?.version ? semver.minVersion(declared.version)?.version : undefined;
  if (fromEngines) return { version: fromEngines, from: 'package.json "devEngines.packageManager"' };
  const agent = userAgent ? /^pnpm\/(\S+)/.exec(userAgent) : null;
  const fromAgent = versionIn(agent?.[1]);
  if (fromAgent) return { version: fromAgent, from: 'the pnpm running this command' };
  const onPath = probe ? versionIn(probe()) : undefined;
  if (onPath) return { version: onPath, from: '`pnpm --version` on PATH' };
  return { version: undefined, from: 'nothing says which pnpm (no "packageManager" field, no pnpm on PATH)' };
}

/** `pnpm --version` of the pnpm on PATH, when there is one (bounded: a corepack shim may not answer). */
export function probePnpmOnPath(): string | undefined {
  const r = spawnSync('pnpm', ['--version'], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export type AllowUnusedKey = 'allowUnusedPatches' | 'allowNonAppliedPatches';

export interface PnpmWiring {
  /** The file patchedDependencies and the allow-unused setting go in. */
  file: ConfigFile;
  allowKey: AllowUnusedKey;
}

/** Where the app's pnpm reads patch wiring: see the facts above. */
export function pnpmWiring(
  v: PnpmVersion,
  app: { workspaceExists: boolean; workspaceHasPatches: boolean; packageJsonHasPatches: boolean },
): PnpmWiring {
  if (ignoresPackageJsonField(v)) return { file: WORKSPACE_FILE, allowKey: 'allowUnusedPatches' };
  if (semver.gte(v.version!, '10.7.0')) {
    const yaml = app.workspaceExists && (app.workspaceHasPatches || !app.packageJsonHasPatches);
    return { file: yaml ? WORKSPACE_FILE : 'package.json', allowKey: 'allowUnusedPatches' };
  }
  return { file: 'package.json', allowKey: 'allowNonAppliedPatches' };
}

/** Does this pnpm ignore the package.json `pnpm` field (and so every patch wired there)? Unknown: assume it does. */
export const ignoresPackageJsonField = (v: PnpmVersion): boolean => !v.version || semver.gte(v.version, '11.0.0-0');

/** Does this pnpm read an allow-unused setting `key` from `file`? (see the facts above) */
export function readsAllowSetting(version: string, file: ConfigFile, key: AllowUnusedKey): boolean {
  const fileRead = file === WORKSPACE_FILE ? semver.gte(version, '10.7.0') : semver.lt(version, '11.0.0-0');
  const keyKnown = key === 'allowUnusedPatches' ? semver.gte(version, '10.7.0') : semver.lt(version, '11.0.0-0');
  return fileRead && keyKnown;
}

export const ALLOW_KEYS: readonly AllowUnusedKey[] = ['allowUnusedPatches', 'allowNonAppliedPatches'];
