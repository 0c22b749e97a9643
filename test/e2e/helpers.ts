import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { config } from '../../scripts/infra/config.ts';
import { ROOT } from '../../scripts/infra/paths.ts';

/**
 * Real package managers for the e2e suite, installed from the npm registry (the only registry
 * reachable here) into the cache's e2e/tools: pnpm 9 and 10 (the upgrade tests), yarn berry (@yarnpkg/cli-dist 4), yarn classic
 * (yarn 1) and bun (its
 * npm package ships the binary in an optional per-platform package, so no download step runs).
 */
const TOOL_SPECS = ['pnpm@9', 'pnpm10@npm:pnpm@10', '@yarnpkg/cli-dist@4', 'yarn@1', 'bun@1'];
/**
 * The package managers and their stores live outside the clone, in the same cache as the registry
 * tarballs (CLERK_EXPO_PATCHES_CACHE, default ~/.cache/clerk-expo-patches): a fresh clone on a
 * runner that keeps its cache installs and downloads them once, as a CI cache step would.
 */
const E2E_CACHE = path.join(config().cacheDir, 'e2e');
export const TOOLS_DIR = path.join(E2E_CACHE, 'tools');
export const CACHE_DIR = path.join(E2E_CACHE, 'stores');

export interface Tools {
  pnpm: string[];
  pnpm10: string[];
  yarn: string[];
  yarnClassic: string[];
  bun: string[] | undefined;
  bunSkip?: string;
}

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
 * Installs the package managers once (an async child process: the worker's event loop keeps
 * ticking). Test files run in parallel: each installs into a folder of its own and renames it
 * into place, so a reader never sees a half-written tools folder and the first to finish wins.
 */
export async function ensureTools(): Promise<Tools> {
  const nm = path.join(TOOLS_DIR, 'node_modules');
  const have = (dir: string) =>
    ['pnpm', 'pnpm10', '@yarnpkg/cli-dist', 'yarn', 'bun'].every((p) => fs.existsSync(path.join(dir, 'node_modules', p, 'package.json')));
  if (!have(TOOLS_DIR)) {
    const tmp = `${TOOLS_DIR}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'package.json'), '{"private":true}\n');
    const t0 = performance.now();
    const r = await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', ...TOOL_SPECS], tmp);
    if (r.status !== 0 || !have(tmp)) throw new Error(`could not install the package managers for the e2e suite:\n${r.stderr}`);
    process.stderr.write(`e2e: installed ${TOOL_SPECS.join(', ')} in ${Math.round(performance.now() - t0)} ms\n`);
    // A folder left by an interrupted run of the old layout, or by another file that lost the race: replace it.
    if (fs.existsSync(TOOLS_DIR) && !have(TOOLS_DIR)) fs.rmSync(TOOLS_DIR, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, TOOLS_DIR);
    } catch {
      // Another test file put a complete one in place first: use that.
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    if (!have(TOOLS_DIR)) throw new Error(`the package managers are missing from ${TOOLS_DIR} after installing them`);
  }
  const tools: Tools = {
    pnpm: [process.execPath, path.join(nm, 'pnpm', 'bin', 'pnpm.cjs')],
    pnpm10: [process.execPath, path.join(nm, 'pnpm10', 'bin', 'pnpm.cjs')],
    yarn: [process.execPath, path.join(nm, '@yarnpkg', 'cli-dist', 'bin', 'yarn.js')],
    yarnClassic: [process.execPath, path.join(nm, 'yarn', 'bin', 'yarn.js')],
    bun: undefined,
  };
  // bun: the binary comes from the optional package for this platform (glibc before musl, plain before baseline).
  const oven = path.join(nm, '@oven');
  const candidates = fs.existsSync(oven)
    ? fs.readdirSync(oven).filter((d) => d.startsWith(`bun-${os.platform()}-${os.arch() === 'x64' ? 'x64' : os.arch()}`))
    : [];
  candidates.sort((a, b) => a.length - b.length);
  for (const c of candidates) {
    const bin = path.join(oven, c, 'bin', os.platform() === 'win32' ? 'bun.exe' : 'bun');
    if (fs.existsSync(bin) && (await run(bin, ['--version'], TOOLS_DIR)).status === 0) {
      tools.bun = [bin];
      break;
    }
  }
  if (!tools.bun)
    tools.bunSkip = `no runnable bun binary for ${os.platform()}-${os.arch()} in ${oven} (bun's npm package ships it as an optional platform package)`;
  return tools;
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
