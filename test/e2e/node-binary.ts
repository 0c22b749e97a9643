import os from 'node:os';
import path from 'node:path';
import pacote from 'pacote';
import semver from 'semver';
import { config } from '../../scripts/infra/config.ts';
import { nodeBinary } from './toolchain.ts';

/**
 * A Node binary from the npm registry (the only registry reachable where the e2e runs), for app
 * commands that need another Node than the one running the suite. The `node` package installs its
 * binary from a per-platform package (its preinstall runs `installArchSpecificPackage`, which adds
 * `node-<platform>-<arch>`); that package's tarball holds bin/node, so it is fetched directly and
 * unpacked once into the cache outside the clone (toolchain.ts `nodeBinary`, e2e/node/<version>).
 */
export const platformPackage = (platform = os.platform(), arch = os.arch()): string => `node-${platform}-${arch}`;

export interface RegistryNode {
  version: string;
  /** Absolute path of the node binary. */
  bin: string;
  /** Put first on PATH so `#!/usr/bin/env node` scripts (npm, expo, the app's bins) run on this Node. */
  dir: string;
}

/** The newest registry Node satisfying every range in `ranges`, unpacked (once) into the cache. */
export async function registryNode(ranges: string[]): Promise<RegistryNode> {
  const pkg = platformPackage();
  const doc = (await pacote.packument(pkg, {
    cache: path.join(config().cacheDir, 'pacote'),
    registry: config().registry,
    offline: config().offline,
  })) as unknown as { versions: Record<string, unknown> };
  const version = Object.keys(doc.versions)
    .filter((v) => semver.valid(v) && !semver.prerelease(v) && ranges.every((r) => semver.satisfies(v, r)))
    .sort(semver.compare)
    .at(-1);
  if (!version)
    throw new Error(`${pkg} publishes no version satisfying ${ranges.join(' and ')}: no Node binary from the registry for this platform`);
  const bin = await nodeBinary(version);
  return { version, bin, dir: path.dirname(bin) };
}

/** `env` with `node.dir` first on PATH. */
export const withNode = (env: NodeJS.ProcessEnv, node: RegistryNode | undefined): NodeJS.ProcessEnv =>
  node ? { ...env, PATH: `${node.dir}${path.delimiter}${env.PATH ?? ''}` } : env;
