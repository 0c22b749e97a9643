import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { config } from '../../scripts/infra/config.ts';
import { cleanEnv, run } from './helpers.ts';

/**
 * A real npm registry on this machine: verdaccio (6.8.0, the last 6.x whose engines allow Node
 * 20: `npm view verdaccio@6.9.0 engines` says node >=22) on 127.0.0.1 at a free port, its storage in a temp folder, with an
 * uplink to the npm registry for every package it does not hold itself. The packages a test
 * publishes (`local`) are served from its storage only (no uplink: clerk-expo-patches), or merged
 * with the uplink's versions (`merged`: @clerk/expo, whose real versions the tests need beside a
 * published one). One per test file; stop() ends the process and removes the folder.
 *
 * Config keys (storage, uplinks, packages with access/publish/proxy, auth.htpasswd, listen via
 * --listen): verdaccio's own packages/config/src/conf/default.yaml.
 */
export interface Verdaccio {
  url: string;
  /** An .npmrc that points a project (or `npm publish`) at this registry, with a token that may publish. */
  npmrc: string;
  token: string;
  /** Its storage folder (package documents and tarballs, as verdaccio keeps them). */
  storage: string;
  stop(): Promise<void>;
}

/**
 * verdaccio is installed on first use into the e2e cache, like the package managers
 * (helpers.ts): it is not a devDependency, so `npm ci` (and every CI run) does not pay for its
 * ~300 packages when the registry tests do not run.
 */
export const VERDACCIO = 'verdaccio@6.8.0';
const VERDACCIO_DIR = path.join(config().cacheDir, 'e2e', VERDACCIO.replace('@', '-'));
const BIN = path.join(VERDACCIO_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio');

/**
 * npm packages installed once into a folder of the e2e cache (a tool a test runs, not a
 * dependency of this repository): installed into a private folder, then renamed into place, so
 * test files running at once never see half an install.
 */
export async function installIntoCache(dir: string, specs: string[]): Promise<void> {
  if (fs.existsSync(path.join(dir, 'package.json'))) return;
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'package.json'), '{"private":true}\n');
  const r = await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...specs], tmp);
  if (r.status !== 0) throw new Error(`could not install ${specs.join(', ')}:\n${r.stderr}`);
  try {
    fs.renameSync(tmp, dir);
  } catch {
    // Another test file installed it first: use that one.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function ensureVerdaccio(): Promise<string> {
  if (!fs.existsSync(BIN)) await installIntoCache(VERDACCIO_DIR, [VERDACCIO]);
  return BIN;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startVerdaccio(opts: { local?: string[]; merged?: string[] } = {}): Promise<Verdaccio> {
  const bin = await ensureVerdaccio();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-verdaccio-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const packages: Record<string, Record<string, string>> = {};
  for (const p of opts.local ?? []) packages[p] = { access: '$all', publish: '$authenticated' };
  for (const p of opts.merged ?? []) packages[p] = { access: '$all', publish: '$authenticated', proxy: 'npmjs' };
  packages['@*/*'] = { access: '$all', publish: '$authenticated', proxy: 'npmjs' };
  packages['**'] = { access: '$all', publish: '$authenticated', proxy: 'npmjs' };
  const config = {
    storage: path.join(dir, 'storage'),
    auth: { htpasswd: { file: path.join(dir, 'htpasswd'), max_users: 10 } },
    uplinks: { npmjs: { url: 'https://registry.npmjs.org/', timeout: '120s', maxage: '30m' } },
    packages,
    server: { keepAliveTimeout: 60 },
    publish: { allow_offline: false },
    max_body_size: '200mb',
    log: { type: 'stdout', format: 'pretty', level: 'warn' },
  };
  const configFile = path.join(dir, 'config.yaml');
  // JSON is YAML: verdaccio reads it as its config as it is.
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(process.execPath, [bin, '--config', configFile, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-4000)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}) before it answered:\n${log}`);
      try {
        if ((await fetch(`${url}-/ping`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`verdaccio did not answer on ${url} within 120 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // A user that may publish (npm's own adduser call: PUT /-/user/org.couchdb.user:<name>).
    const res = await fetch(`${url}-/user/org.couchdb.user:cep`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cep', password: 'cep-local-only', type: 'user', roles: [], date: new Date().toISOString() }),
    });
    const { token } = (await res.json()) as { token?: string };
    if (!res.ok || !token) throw new Error(`verdaccio refused to add a user (HTTP ${res.status})`);
    const npmrc = `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`;
    return { url, npmrc, token, storage: config.storage, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * `npm publish` of a folder or tarball to the registry, with only a project .npmrc pointing at it
 * (no scripts run: the published files are what the folder holds).
 */
export async function publish(reg: Verdaccio, what: string, tag = 'latest'): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-publish-'));
  const rc = path.join(home, '.npmrc');
  fs.writeFileSync(rc, reg.npmrc);
  try {
    const r = await run(
      'npm',
      ['publish', what, '--ignore-scripts', '--tag', tag, '--registry', reg.url, '--userconfig', rc, '--no-provenance'],
      home,
      cleanEnv(),
    );
    if (r.status !== 0) throw new Error(`npm publish ${what} to ${reg.url} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/**
 * A published package repacked under another version: the registry tarball's files as they are,
 * with package.json's version changed (and its publishConfig dropped, so nothing can send it
 * anywhere but the registry given), plus `edit` on the unpacked folder. Returns the folder.
 */
export async function repack(spec: string, version: string, edit?: (dir: string) => void): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-repack-'));
  const r = await run('npm', ['pack', spec, '--json', '--pack-destination', work], work, cleanEnv());
  if (r.status !== 0) throw new Error(`npm pack ${spec} failed:\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { filename: string }[];
  const x = await run('tar', ['-xzf', info!.filename], work);
  if (x.status !== 0) throw new Error(`tar -xzf ${info!.filename} failed:\n${x.stderr}`);
  const dir = path.join(work, 'package');
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete pkg.publishConfig;
  fs.writeFileSync(file, `${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
  edit?.(dir);
  return dir;
}
