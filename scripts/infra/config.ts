import os from 'node:os';
import path from 'node:path';

/**
 * Infrastructure: configuration, caches, hashing, worker-free helpers for progress and tables.
 * Nothing here knows about fixes, patches or apps.
 *
 * This module is the only reader of the environment. Values are read once, on first use;
 * `resetConfig()` makes the next read see the environment again (tests that change it).
 *
 * | variable | meaning |
 * |---|---|
 * | CLERK_EXPO_PATCHES_CACHE | disk cache for tarballs, packuments and memoised results (default ~/.cache/clerk-expo-patches) |
 * | CLERK_EXPO_PATCHES_REGISTRY | npm registry URL (default https://registry.npmjs.org/) |
 * | CLERK_EXPO_PATCHES_OFFLINE=1 | answer from the disk cache only |
 * | CLERK_EXPO_PATCHES_TIMEOUT_MS=N | how long one registry request may take (default 60000) |
 * | CLERK_EXPO_PATCHES_FETCH_RETRIES=N | retries of a failed registry request (default: npm's, 2) |
 * | CLERK_EXPO_PATCHES_NO_MEMO=1 | run every codemod again instead of reusing memoised results |
 * | CLERK_EXPO_PATCHES_JOBS=N | worker threads for generate/verify (default: one per core, up to 4) |
 * | npm_config_user_agent | set by the package manager running us ("pnpm/10.34.9 npm/? node/v20…"): which pnpm, for sync |
 */
export interface Config {
  cacheDir: string;
  registry: string;
  offline: boolean;
  /** One registry request's time limit, in ms. */
  timeoutMs: number;
  /** Retries of a failed registry request (undefined: npm-registry-fetch's default). */
  fetchRetries: number | undefined;
  memo: boolean;
  /** undefined: pick from the core count. */
  jobs: number | undefined;
  /** The package manager's user agent when one runs us (npx, pnpm exec, yarn, bunx, a lifecycle script). */
  userAgent: string | undefined;
}

let current: Config | undefined;

export function config(): Config {
  if (current) return current;
  const env = process.env;
  const jobs = Number(env.CLERK_EXPO_PATCHES_JOBS);
  const timeoutMs = Number(env.CLERK_EXPO_PATCHES_TIMEOUT_MS);
  const retries = env.CLERK_EXPO_PATCHES_FETCH_RETRIES ? Number(env.CLERK_EXPO_PATCHES_FETCH_RETRIES) : NaN;
  current = {
    cacheDir: env.CLERK_EXPO_PATCHES_CACHE || path.join(os.homedir(), '.cache', 'clerk-expo-patches'),
    registry: env.CLERK_EXPO_PATCHES_REGISTRY || 'https://registry.npmjs.org/',
    offline: env.CLERK_EXPO_PATCHES_OFFLINE === '1',
    timeoutMs: Number.isInteger(timeoutMs) && timeoutMs > 0 ? timeoutMs : 60_000,
    fetchRetries: Number.isInteger(retries) && retries >= 0 ? retries : undefined,
    memo: env.CLERK_EXPO_PATCHES_NO_MEMO !== '1',
    jobs: Number.isInteger(jobs) && jobs > 0 ? jobs : undefined,
    userAgent: env.npm_config_user_agent || undefined,
  };
  return current;
}

/** Forget the values read: the next config() reads the environment again. */
export function resetConfig(): void {
  current = undefined;
}
