import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../scripts/infra/paths.ts';

/**
 * Real package managers for the e2e suite, installed from the npm registry (the only registry
 * reachable here) into .cache/e2e-tools: pnpm 9, yarn berry (@yarnpkg/cli-dist 4), yarn classic
 * (yarn 1) and bun (its
 * npm package ships the binary in an optional per-platform package, so no download step runs).
 */
export const TOOLS_DIR = path.join(ROOT, '.cache', 'e2e-tools');
export const CACHE_DIR = path.join(ROOT, '.cache', 'e2e-cache');
const TOOL_SPECS = ['pnpm@9', '@yarnpkg/cli-dist@4', 'yarn@1', 'bun@1'];

export interface Tools {
  pnpm: string[];
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
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
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

const runSync = (cmd: string, args: string[], cwd: string) => spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 600_000 });

export function ensureTools(): Tools {
  const nm = path.join(TOOLS_DIR, 'node_modules');
  const have = () => fs.existsSync(path.join(nm, 'pnpm', 'package.json')) && fs.existsSync(path.join(nm, '@yarnpkg', 'cli-dist', 'package.json')) && fs.existsSync(path.join(nm, 'yarn', 'package.json')) && fs.existsSync(path.join(nm, 'bun', 'package.json'));
  if (!have()) {
    fs.mkdirSync(TOOLS_DIR, { recursive: true });
    if (!fs.existsSync(path.join(TOOLS_DIR, 'package.json'))) fs.writeFileSync(path.join(TOOLS_DIR, 'package.json'), '{"private":true}\n');
    const t0 = performance.now();
    const r = runSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', ...TOOL_SPECS], TOOLS_DIR);
    process.stderr.write(`e2e: installed ${TOOL_SPECS.join(', ')} into ${TOOLS_DIR} in ${Math.round(performance.now() - t0)} ms\n`);
    if (r.status !== 0) throw new Error(`could not install the package managers for the e2e suite:\n${r.stderr}`);
  }
  const tools: Tools = {
    pnpm: [process.execPath, path.join(nm, 'pnpm', 'bin', 'pnpm.cjs')],
    yarn: [process.execPath, path.join(nm, '@yarnpkg', 'cli-dist', 'bin', 'yarn.js')],
    yarnClassic: [process.execPath, path.join(nm, 'yarn', 'bin', 'yarn.js')],
    bun: undefined,
  };
  // bun: the binary comes from the optional package for this platform (glibc before musl, plain before baseline).
  const oven = path.join(nm, '@oven');
  const candidates = fs.existsSync(oven) ? fs.readdirSync(oven).filter((d) => d.startsWith(`bun-${os.platform()}-${os.arch() === 'x64' ? 'x64' : os.arch()}`)) : [];
  candidates.sort((a, b) => a.length - b.length);
  for (const c of candidates) {
    const bin = path.join(oven, c, 'bin', os.platform() === 'win32' ? 'bun.exe' : 'bun');
    if (fs.existsSync(bin) && runSync(bin, ['--version'], TOOLS_DIR).status === 0) {
      tools.bun = [bin];
      break;
    }
  }
  if (!tools.bun) tools.bunSkip = `no runnable bun binary for ${os.platform()}-${os.arch()} in ${oven} (bun's npm package ships it as an optional platform package)`;
  return tools;
}

export const CLI = path.join(ROOT, 'bin', 'clerk-expo-patches.mjs');

/** Runs the clerk-expo-patches CLI as a user would. */
export const cli = (args: string[], cwd: string) => run(process.execPath, [CLI, ...args], cwd);

export function tempApp(pm: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cep-e2e-${pm}-`));
}

export function writeJson(file: string, data: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}
