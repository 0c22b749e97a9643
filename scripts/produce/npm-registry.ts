import path from 'node:path';
import pacote from 'pacote';
import semver from 'semver';
import { readTarball } from './tar.ts';
import { type PackageSnapshot } from '../core/fix.ts';
import { ToolError } from '../core/errors.ts';
import { config } from '../infra/config.ts';

/**
 * Registry access through pacote (npm's own fetcher): packuments for version lists, tarballs
 * checked against the registry's dist.integrity, everything cached on disk (cacache) outside git.
 * Online first; when the registry cannot be reached, the disk cache answers alone; a cold cache
 * then fails with a message that says so.
 */
export const cacheDir = (): string => config().cacheDir;

const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_SOCKET_TIMEOUT',
  'FETCH_ERROR',
]);
const isNetworkError = (err: unknown): boolean => {
  const e = err as { code?: string; type?: string };
  return NETWORK_CODES.has(e.code ?? '') || e.type === 'system' || e.type === 'request-timeout';
};

const baseOptions = () => ({
  cache: path.join(cacheDir(), 'pacote'),
  registry: config().registry,
  fullMetadata: false,
  timeout: config().timeoutMs,
  // npm-registry-fetch's option (lib/index.js: retry.retries from opts.fetchRetries); undefined keeps its default.
  ...(config().fetchRetries !== undefined ? { fetchRetries: config().fetchRetries } : {}),
  offline: config().offline,
  preferOnline: false,
});

/**
 * `online`: the answer must come from the registry now (a fresh packument, no disk-cache
 * fallback): a command that decides what is new on the registry must not read an old list.
 */
async function withOfflineFallback<T>(what: string, run: (opts: ReturnType<typeof baseOptions>) => Promise<T>, online = false): Promise<T> {
  const opts = online ? { ...baseOptions(), offline: false, preferOnline: true } : baseOptions();
  try {
    return await run(opts);
  } catch (err) {
    if (online && isNetworkError(err))
      throw new ToolError(
        `cannot fetch ${what}: the registry ${opts.registry} did not answer (${(err as Error).message.split('\n')[0]})`,
        'retry when the registry is reachable; nothing was written',
      );
    if (!opts.offline && isNetworkError(err)) {
      process.stderr.write(`warning: registry unreachable (${(err as Error).message.split('\n')[0]}); using the disk cache for ${what}\n`);
      return offlineOnly(what, () => run({ ...opts, offline: true }));
    }
    if (opts.offline) return offlineOnly(what, () => Promise.reject(err));
    throw wrap(what, err);
  }
}

async function offlineOnly<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOTCACHED' || isNetworkError(err)) {
      throw new ToolError(
        `cannot fetch ${what}: the npm registry is unreachable and the disk cache (${cacheDir()}) has no copy`,
        'connect to the registry once to warm the cache, or point CLERK_EXPO_PATCHES_CACHE at a warm cache',
      );
    }
    throw wrap(what, err);
  }
}

function wrap(what: string, err: unknown): Error {
  const e = err as { code?: string; message?: string };
  if (e.code === 'EINTEGRITY') {
    return new ToolError(
      `integrity check failed for ${what}: the tarball does not match the registry's dist.integrity`,
      `delete the cache (${cacheDir()}) and retry; if it persists, do not trust this tarball`,
    );
  }
  if (e.code === 'E404' || e.code === 'ETARGET')
    return new ToolError(`${what} does not exist on the registry`, 'check the package name and version');
  return err instanceof Error ? err : new Error(String(err));
}

export interface VersionInfo {
  version: string;
  integrity: string;
}

/**
 * Every published, non-prerelease version of a package, ascending, with its dist.integrity.
 * `online`: fresh from the registry, or a ToolError (no disk-cache answer).
 */
export async function listVersions(name: string, opts: { online?: boolean } = {}): Promise<VersionInfo[]> {
  const doc = await withOfflineFallback(`the version list of ${name}`, (o) => pacote.packument(name, o), opts.online);
  return Object.values(doc.versions)
    .filter((m) => !semver.prerelease(m.version) && m.dist?.integrity)
    .map((m) => ({ version: m.version, integrity: m.dist.integrity as string }))
    .sort((a, b) => semver.compare(a.version, b.version));
}

/**
 * What every published, non-prerelease version of `name` declares for `dependency` in its
 * package.json `dependencies` (from the registry's version metadata; undefined when it does not
 * depend on it), by version.
 */
export async function dependencyRanges(name: string, dependency: string): Promise<Record<string, string | undefined>> {
  const doc = await withOfflineFallback(`the version list of ${name}`, (opts) => pacote.packument(name, opts));
  return Object.fromEntries(
    Object.values(doc.versions)
      .filter((m) => !semver.prerelease(m.version))
      .sort((a, b) => semver.compare(a.version, b.version))
      .map((m) => [m.version, m.dependencies?.[dependency]]),
  );
}

const snapshots = new Map<string, Promise<Snapshot>>();

/** Drops the in-process memo (tests that switch caches or go offline). */
export const forgetSnapshots = (): void => snapshots.clear();

export interface Snapshot extends PackageSnapshot {
  integrity: string;
}

/**
 * The files of name@version, integrity-checked. `integrity` pins the expected dist.integrity
 * (from the manifest); without it the registry's packument provides it. Memoised per process,
 * so one run never fetches or unpacks a tarball twice.
 */
export function fetchPackage(name: string, version: string, integrity?: string): Promise<Snapshot> {
  if (!semver.valid(version))
    return Promise.reject(new ToolError(`"${version}" is not a valid version of ${name}`, 'give an exact version such as 6.7.1'));
  const key = `${name}@${version}#${integrity ?? ''}`;
  let hit = snapshots.get(key);
  if (!hit) {
    hit = load(name, version, integrity);
    snapshots.set(key, hit);
    hit.catch(() => snapshots.delete(key));
  }
  return hit;
}

async function load(name: string, version: string, pinned?: string): Promise<Snapshot> {
  const spec = `${name}@${version}`;
  const integrity = pinned ?? (await withOfflineFallback(spec, (opts) => pacote.manifest(spec, opts)))._integrity;
  if (!integrity) throw new ToolError(`the registry gives no dist.integrity for ${spec}`, 'refusing to use an unverifiable tarball');
  const tgz = await withOfflineFallback(spec, (opts) => pacote.tarball(spec, { ...opts, integrity }));
  return snapshotFromTarball(name, version, integrity, tgz);
}

export function snapshotFromTarball(name: string, version: string, integrity: string, tgz: Uint8Array): Snapshot {
  const files = readTarball(tgz);
  const pkgJson = files.get('package.json');
  if (!pkgJson) throw new ToolError(`${name}@${version}: tarball has no package.json`);
  const texts = new Map<string, string>();
  return {
    name,
    version,
    integrity,
    packageJson: JSON.parse(pkgJson.toString('utf8')) as Record<string, unknown>,
    files: [...files.keys()].sort(),
    read(p) {
      let t = texts.get(p);
      if (t === undefined) {
        const buf = files.get(p);
        if (!buf) return undefined;
        t = buf.toString('utf8');
        texts.set(p, t);
      }
      return t;
    },
  };
}
