import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { ToolError } from '../../../scripts/core/errors.ts';
import { config } from '../../../scripts/infra/config.ts';
import { writeFileAtomic } from '../../../scripts/infra/paths.ts';
import { fetchPackage, listVersions } from '../../../scripts/produce/npm-registry.ts';
import { shareFiles } from './file-store.ts';

/**
 * The dependency closure one @clerk/expo version's own package.json resolves, installed by npm
 * at run time into `<cache>/expo-deps/<version>/` (CLERK_EXPO_PATCHES_CACHE, default
 * ~/.cache/clerk-expo-patches; outside git, like the tarball cache).
 *
 * What is installed: `@clerk/expo@<version>` itself, so npm resolves its `dependencies`
 * (@clerk/clerk-js, @clerk/react, @clerk/shared, base-64, tslib…) exactly as an app's install
 * does; plus react, react-dom and react-test-renderer at one version: the highest react inside
 * both @clerk/expo's and the resolved @clerk/react's peer range (@clerk/react is pinned to that
 * resolved version so npm cannot pick another one). Peers that only a device has (react-native,
 * expo, expo-secure-store…) are not installed (`--legacy-peer-deps`): the harness stands in for
 * them. `--ignore-scripts`; npm checks every tarball against the lockfile's integrity.
 *
 * Disk: every installed file is a hard link into one content-addressed store shared by all
 * sets, `<cache>/expo-deps/.store/<sha256>-<mode>` (file-store.ts), made after npm finished and
 * before the set is renamed into place; a set installed before the store existed is linked to it
 * on its first use (atomic renames of identical bytes; its marker then records `sharedFiles`).
 * Sets differ mostly in @clerk/expo itself, so all of them together cost little more than one.
 *
 * Warm cache: the directory is used as is, with no registry access (offline works). Cold cache
 * offline (CLERK_EXPO_PATCHES_OFFLINE=1): a ToolError that says so.
 */
export interface DependencySet {
  expoVersion: string;
  /** The install root: `node_modules/` of the closure lives here. */
  dir: string;
  /** Resolved versions of the packages that matter (as installed). */
  resolved: Record<string, string>;
  /** Its files are hard links into the shared store (absent on sets installed before the store existed). */
  sharedFiles?: true;
}

const MARKER = 'dependency-set.json';
/** Hang guard for one npm install (a cold install took up to ~10 min on a heavily loaded machine). */
const INSTALL_LIMIT_MS = 1_200_000;
const REPORTED = ['@clerk/expo', '@clerk/clerk-js', '@clerk/react', '@clerk/shared', 'react', 'react-test-renderer'];

export const dependencySetsDir = (): string => path.join(config().cacheDir, 'expo-deps');
/** The content-addressed files every set links to (a dot name: never a version). */
export const dependencyStoreDir = (): string => path.join(dependencySetsDir(), '.store');

const inflight = new Map<string, Promise<DependencySet>>();

export function dependencySet(expoVersion: string): Promise<DependencySet> {
  let hit = inflight.get(expoVersion);
  if (!hit) {
    hit = ensure(expoVersion);
    inflight.set(expoVersion, hit);
    hit.catch(() => inflight.delete(expoVersion));
  }
  return hit;
}

async function ensure(expoVersion: string): Promise<DependencySet> {
  if (!semver.valid(expoVersion))
    throw new ToolError(`"${expoVersion}" is not a valid @clerk/expo version`, 'give an exact version such as 3.2.7');
  const dir = path.join(dependencySetsDir(), expoVersion);
  const marker = path.join(dir, MARKER);
  if (fs.existsSync(marker)) return shareInstalled(JSON.parse(fs.readFileSync(marker, 'utf8')) as DependencySet, marker);
  if (config().offline) {
    throw new ToolError(
      `no installed dependency set for @clerk/expo ${expoVersion} in ${dir}, and offline (CLERK_EXPO_PATCHES_OFFLINE=1) forbids installing one`,
      'run once with the npm registry reachable to warm the cache, or point CLERK_EXPO_PATCHES_CACHE at a warm cache',
    );
  }
  const manifest = await rootManifest(expoVersion);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  try {
    await npmInstall(tmp, expoVersion);
    shareFiles(path.join(tmp, 'node_modules'), dependencyStoreDir());
    const set: DependencySet = { expoVersion, dir, resolved: resolvedVersions(tmp), sharedFiles: true };
    fs.writeFileSync(path.join(tmp, MARKER), JSON.stringify(set, null, 2) + '\n');
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another process installed the same set meanwhile: keep theirs.
      if (!fs.existsSync(marker)) throw err;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return JSON.parse(fs.readFileSync(marker, 'utf8')) as DependencySet;
}

/** A set installed before the shared store: link its files to the store once, then record that in its marker. */
function shareInstalled(set: DependencySet, marker: string): DependencySet {
  if (set.sharedFiles) return set;
  try {
    shareFiles(path.join(path.dirname(marker), 'node_modules'), dependencyStoreDir());
    const shared: DependencySet = { ...set, sharedFiles: true };
    writeFileAtomic(marker, JSON.stringify(shared, null, 2) + '\n');
    return shared;
  } catch {
    return set; // a read-only cache: sharing only saves disk, the set works as it is
  }
}

/** The install's package.json: @clerk/expo, its resolved @clerk/react pinned, and one react for app and renderer. */
async function rootManifest(expoVersion: string): Promise<Record<string, unknown>> {
  const expo = await fetchPackage('@clerk/expo', expoVersion);
  const deps = (expo.packageJson.dependencies ?? {}) as Record<string, string>;
  const peers = (expo.packageJson.peerDependencies ?? {}) as Record<string, string>;
  const clerkReactRange = deps['@clerk/react'];
  if (!clerkReactRange)
    throw new ToolError(
      `@clerk/expo ${expoVersion} does not depend on @clerk/react`,
      'the harness renders ClerkProvider through @clerk/react; this version is out of its scope',
    );
  const clerkReact = maxSatisfying(await listVersions('@clerk/react'), clerkReactRange, `@clerk/react ${clerkReactRange}`);
  const clerkReactPeers = ((await fetchPackage('@clerk/react', clerkReact)).packageJson.peerDependencies ?? {}) as Record<string, string>;
  const reactVersions = (await listVersions('react')).filter(
    (v) => semver.satisfies(v.version, clerkReactPeers.react ?? '*') && semver.satisfies(v.version, peers.react ?? '*'),
  );
  const renderer = new Set((await listVersions('react-test-renderer')).map((v) => v.version));
  const react = reactVersions
    .map((v) => v.version)
    .filter((v) => renderer.has(v))
    .pop();
  if (!react)
    throw new ToolError(
      `no react version satisfies both @clerk/expo ${expoVersion} (${peers.react}) and @clerk/react ${clerkReact} (${clerkReactPeers.react}) with a matching react-test-renderer`,
    );
  return {
    name: `clerk-expo-harness-${expoVersion}`,
    private: true,
    description: `dependency closure of @clerk/expo ${expoVersion} for the device harness (generated)`,
    dependencies: { '@clerk/expo': expoVersion, '@clerk/react': clerkReact, react, 'react-dom': react, 'react-test-renderer': react },
  };
}

function maxSatisfying(versions: { version: string }[], range: string, what: string): string {
  const v = semver.maxSatisfying(
    versions.map((x) => x.version),
    range,
  );
  if (!v) throw new ToolError(`no published version satisfies ${what}`);
  return v;
}

function npmInstall(cwd: string, expoVersion: string): Promise<void> {
  const args = [
    'install',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--legacy-peer-deps',
    '--no-update-notifier',
    '--prefer-offline',
    '--loglevel=error',
    `--cache=${path.join(config().cacheDir, 'npm')}`,
    `--registry=${config().registry}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_package_lock: 'true' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => void (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), INSTALL_LIMIT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(
        new ToolError(`cannot run npm to install the dependency set of @clerk/expo ${expoVersion}: ${err.message}`, 'npm must be on PATH'),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      reject(
        new ToolError(
          `npm install of the dependency set of @clerk/expo ${expoVersion} failed (${signal ?? `exit ${code}`}):\n${output.trim().split('\n').slice(-15).join('\n')}`,
          'check registry access (the registry must be reachable for a cold cache)',
        ),
      );
    });
  });
}

function resolvedVersions(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REPORTED) {
    const file = path.join(root, 'node_modules', name, 'package.json');
    if (fs.existsSync(file)) out[name] = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return out;
}
