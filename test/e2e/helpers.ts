import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { config } from '../../scripts/infra/config.ts';
import { ROOT } from '../../scripts/infra/paths.ts';

/**
 * The package managers (test/e2e/toolchain.ts) and their stores live outside the clone, in the
 * same cache as the registry tarballs (CLERK_EXPO_PATCHES_CACHE, default ~/.cache/clerk-expo-patches):
 * a fresh clone on a runner that keeps its cache installs and downloads them once, as a CI cache
 * step would.
 */
export const E2E_CACHE = path.join(config().cacheDir, 'e2e');
export const CACHE_DIR = path.join(E2E_CACHE, 'stores');

/** Child processes get a clean environment: no npm_* variables from the `npm test` that runs us. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command without blocking the test worker's event loop (vitest's RPC must keep ticking). */
export function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = cleanEnv(),
  hangGuardMs = 1_200_000,
): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), hangGuardMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: Math.round(performance.now() - t0) });
    });
  });
}

/**
 * The product as users get it: `npm pack` of this repository (prepack build included), once per
 * e2e run (test/e2e/global-setup.ts). The file name carries the tarball's sha1 so no package
 * manager's cache can serve an older pack of the same version.
 */
export interface Packed {
  tarball: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
}

export async function packThisRepository(dest: string): Promise<Packed> {
  const r = await run('npm', ['pack', '--json', '--pack-destination', dest], ROOT);
  if (r.status !== 0) throw new Error(`npm pack failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Array<{
    filename: string;
    shasum: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
  }>;
  if (!info) throw new Error(`npm pack printed no file:\n${r.stdout}`);
  const tarball = path.join(dest, info.filename.replace(/\.tgz$/, `-${info.shasum.slice(0, 12)}.tgz`));
  fs.renameSync(path.join(dest, info.filename), tarball);
  return { tarball, size: info.size, unpackedSize: info.unpackedSize, entryCount: info.entryCount };
}

/** The devDependency that installs the packed tarball into an app, as `npm i -D ./clerk-expo-patches-x.tgz` would. */
export const tarballDependency = (tarball: string): Record<string, string> => ({ 'clerk-expo-patches': `file:${tarball}` });

/**
 * An app's devDependencies as an Expo app has them: the packed tarball, and typescript (every
 * Expo template ships it; check and sync read code with the app's own typescript when no shipped
 * hash answers, e.g. after an upgrade to a version upstream fixed).
 */
export const appDevDependencies = (tarball: string): Record<string, string> => ({ ...tarballDependency(tarball), typescript: '~5.9.2' });

/** The CLI the app installed: node_modules/.bin/clerk-expo-patches, run in the app as a user would. */
export function appBin(appDir: string, name = 'clerk-expo-patches'): string {
  const bin = path.join(appDir, 'node_modules', '.bin', name);
  if (!fs.existsSync(bin)) throw new Error(`${bin} does not exist: the app's install did not link the packed clerk-expo-patches`);
  return bin;
}

/** Runs the app's own clerk-expo-patches (never this repository's path). */
export const cli = (args: string[], cwd: string, env?: NodeJS.ProcessEnv) => run(appBin(cwd), args, cwd, env);

/**
 * Runs the app's installed config plugin the way Expo loads it (`clerk-expo-patches/app.plugin.js`
 * resolved from the app through the package's exports map, then require()d) on a minimal config.
 * Exit 0 and no output when all is well; a ConfigError and exit 1 otherwise.
 */
export function runConfigPlugin(appDir: string): Promise<RunResult> {
  const script = [
    "const p = require(require.resolve('clerk-expo-patches/app.plugin.js', { paths: [process.cwd()] }));",
    "try { p({ name: 'app', slug: 'app', _internal: { projectRoot: process.cwd() } }); }",
    'catch (e) { console.error(`${e.name}: ${e.message}`); process.exitCode = 1; }',
  ].join('\n');
  return run(process.execPath, ['-e', script], appDir);
}

export function tempApp(pm: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cep-e2e-${pm}-`));
}

export function writeJson(file: string, data: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}
