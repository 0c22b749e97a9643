import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import type { CheckReport } from '../../scripts/commands/check.ts';
import {
  appDevDependencies,
  CACHE_DIR,
  cleanEnv,
  cli,
  ensureTools,
  run,
  tempApp,
  writeJson,
  type RunResult,
  type Tools,
} from './helpers.ts';

/**
 * An upgrade the way an automated PR (Renovate, Dependabot) makes it: package.json and the
 * lockfile change, nothing else; then the install CI runs from a clean checkout (`npm ci`,
 * `pnpm install --frozen-lockfile`, …). One app per package manager, wired by `sync` on
 * @clerk/clerk-js 6.7.1 + @clerk/expo 3.2.7, then:
 *   PR 1  @clerk/expo 3.2.7 → 3.2.8: a patch ships for 3.2.8 (B, C, H, F, J, K; D is fixed upstream).
 *         CI stops with our words (never patch-package's or pnpm's advice); the one command it
 *         names (sync, install) makes the PR green under the CI install, 3.2.8 patched.
 *   PR 2  @clerk/clerk-js 6.7.4 (upstream fixed A and E: nothing left to patch; no @clerk/expo
 *         version is, F is not fixed upstream) with @clerk/expo "3.2.99", a release this package
 *         has no patch for (the 3.2.8 tarball with its version changed, installed from a file:
 *         no such version exists on the registry, every served 3.x/4.x one has a patch).
 * The packed tarball is the one global-setup packed for the whole e2e run.
 */
const manifest = readManifest();
const shipped = (name: string, version: string) => manifest.patches.some((p) => p.package === name && p.version === version);
if (
  !shipped('@clerk/expo', '3.2.7') ||
  !shipped('@clerk/expo', '3.2.8') ||
  !shipped('@clerk/clerk-js', '6.7.1') ||
  shipped('@clerk/clerk-js', '6.7.4')
)
  throw new Error(
    'this e2e needs shipped patches for @clerk/expo 3.2.7 and 3.2.8 and @clerk/clerk-js 6.7.1 (none for 6.7.4): run `npm run patches`',
  );

type PmName = 'npm' | 'pnpm' | 'yarn-berry' | 'yarn-classic' | 'bun';
interface Pm {
  setup(dir: string): void;
  /** A developer's install (updates the lockfile). */
  install(dir: string): Promise<RunResult>;
  /** What the bot runs to update the lockfile after editing package.json (Renovate's commands). */
  lockfile(dir: string): Promise<RunResult>;
  /** What CI runs on a clean checkout. */
  ci(dir: string): Promise<RunResult>;
  command: string;
}

const tarball = inject('cepTarball');
let tools: Tools;
let fakeRelease: string;
const apps: string[] = [];
/** What each package manager's CI printed of ours, kept apart: the five run at once. */
const transcripts = new Map<PmName, string[]>();
const said = (r: RunResult) => `${r.stdout}\n${r.stderr}`;
const CI = { CI: 'true' };

function pmOf(name: PmName): Pm {
  const npm =
    (args: string[], env = {}) =>
    (dir: string) =>
      run('npm', [...args, '--no-audit', '--no-fund', '--legacy-peer-deps'], dir, cleanEnv(env));
  const pnpm =
    (args: string[], env = {}) =>
    (dir: string) =>
      run(tools.pnpm10[0]!, [...tools.pnpm10.slice(1), ...args, '--store-dir', path.join(CACHE_DIR, 'pnpm10-store')], dir, cleanEnv(env));
  const yarnEnv = { YARN_ENABLE_PROGRESS_BARS: 'false', YARN_ENABLE_TELEMETRY: 'false' };
  const berry =
    (args: string[], env = {}) =>
    (dir: string) =>
      run(tools.yarn[0]!, [...tools.yarn.slice(1), ...args], dir, cleanEnv({ ...yarnEnv, ...env }));
  const classic =
    (args: string[], env = {}) =>
    (dir: string) =>
      run(
        tools.yarnClassic[0]!,
        [...tools.yarnClassic.slice(1), ...args, '--no-progress', '--non-interactive', '--ignore-engines', '--network-timeout', '600000'],
        dir,
        // Its own cache: yarn 1 does not guard a cache folder against another yarn (the consumer e2e) using it at once.
        cleanEnv({ YARN_CACHE_FOLDER: path.join(CACHE_DIR, 'yarn-classic-cache-upgrade'), ...env }),
      );
  const bun =
    (args: string[], env = {}) =>
    (dir: string) =>
      run(tools.bun![0]!, args, dir, cleanEnv({ BUN_INSTALL_CACHE_DIR: path.join(CACHE_DIR, 'bun-cache'), ...env }));
  switch (name) {
    case 'npm':
      return {
        setup: () => {},
        install: npm(['install']),
        lockfile: npm(['install', '--package-lock-only', '--ignore-scripts']),
        ci: npm(['ci'], CI),
        command: 'npm install',
      };
    case 'pnpm':
      return {
        // Expo apps on pnpm use the hoisted linker.
        setup: (dir) =>
          fs.writeFileSync(path.join(dir, '.npmrc'), 'node-linker=hoisted\nauto-install-peers=false\nstrict-peer-dependencies=false\n'),
        install: pnpm(['install', '--no-frozen-lockfile']),
        lockfile: pnpm(['install', '--lockfile-only']),
        ci: pnpm(['install', '--frozen-lockfile'], CI),
        command: 'pnpm install',
      };
    case 'yarn-berry':
      return {
        setup: (dir) => {
          fs.writeFileSync(
            path.join(dir, '.yarnrc.yml'),
            `nodeLinker: node-modules\nenableGlobalCache: true\nglobalFolder: ${JSON.stringify(path.join(CACHE_DIR, 'yarn-global'))}\n`,
          );
          fs.writeFileSync(path.join(dir, 'yarn.lock'), '');
        },
        install: berry(['install'], { YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' }),
        lockfile: berry(['install', '--mode=update-lockfile'], { YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' }),
        // Under CI yarn prints a build's output inline (enableInlineBuilds); elsewhere it goes to a log file.
        ci: berry(['install', '--immutable'], CI),
        command: 'yarn install',
      };
    case 'yarn-classic':
      return {
        setup: () => {},
        install: classic(['install']),
        lockfile: classic(['install', '--ignore-scripts']),
        ci: classic(['install', '--frozen-lockfile'], CI),
        command: 'yarn install',
      };
    case 'bun':
      return {
        setup: (dir) => fs.writeFileSync(path.join(dir, 'bunfig.toml'), '[install]\npeer = false\n'),
        install: bun(['install']),
        lockfile: bun(['install', '--lockfile-only']),
        ci: bun(['install', '--frozen-lockfile'], CI),
        command: 'bun install',
      };
  }
}

async function step(name: PmName, label: string, p: Promise<RunResult>, expectExit?: number): Promise<RunResult> {
  const r = await p;
  process.stderr.write(`e2e upgrade ${name}: ${label}: ${(r.ms / 1000).toFixed(1)}s (exit ${r.status})\n`);
  if (expectExit !== undefined) expect(r.status, `${name} ${label}:\n${said(r)}`).toBe(expectExit);
  return r;
}

/** Edits package.json the way the bot does: only the dependency versions. */
function bump(dir: string, deps: Record<string, string>) {
  const file = path.join(dir, 'package.json');
  const pj = JSON.parse(fs.readFileSync(file, 'utf8')) as { dependencies: Record<string, string> };
  writeJson(file, { ...pj, dependencies: { ...pj.dependencies, ...deps } });
}

const cleanCheckout = (dir: string) => fs.promises.rm(path.join(dir, 'node_modules'), { recursive: true, force: true });

/** The lines of our message, wherever the package manager put them (yarn berry prefixes each line). */
function ours(r: RunResult): string[] {
  return said(r)
    .split('\n')
    .filter((l) => /clerk-expo-patches|→|still needs|needs no fix|No longer needed|Nothing was patched|installed unpatched|Next/.test(l));
}

async function check(dir: string): Promise<CheckReport> {
  const r = await cli(['check', '--json', '--cwd', dir], dir);
  return JSON.parse(r.stdout) as CheckReport;
}

beforeAll(async () => {
  tools = await ensureTools();
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // A release after this package was built: 3.2.8's files under another version, as a local tarball.
  const work = tempApp('fake-release');
  apps.push(work);
  const packed = await run('npm', ['pack', '@clerk/expo@3.2.8', '--pack-destination', work], work);
  if (packed.status !== 0) throw new Error(`npm pack @clerk/expo@3.2.8 failed:\n${said(packed)}`);
  await run('tar', ['xzf', 'clerk-expo-3.2.8.tgz'], work);
  const pjFile = path.join(work, 'package', 'package.json');
  fs.writeFileSync(pjFile, fs.readFileSync(pjFile, 'utf8').replace('"version": "3.2.8"', '"version": "3.2.99"'));
  fakeRelease = path.join(work, 'clerk-expo-3.2.99.tgz');
  const tar = await run('tar', ['czf', fakeRelease, 'package'], work);
  if (tar.status !== 0) throw new Error(`could not pack the stand-in release:\n${said(tar)}`);
}, 1_800_000);

afterAll(async () => {
  const seen = [...transcripts.values()].flat();
  process.stderr.write(`\ne2e upgrade: what app teams see\n${seen.join('\n')}\n`);
  if (process.env.CLERK_EXPO_PATCHES_KEEP_E2E !== '1') for (const a of apps) await fs.promises.rm(a, { recursive: true, force: true });
}, 1_800_000);

// Each package manager's app is its own: they run at once (installs are child processes).
describe.concurrent.each<PmName>(['npm', 'pnpm', 'yarn-berry', 'yarn-classic', 'bun'])('upgrade PRs with %s', (name) => {
  it('an upgrade PR stops CI with our words; the one command it names makes it green', async (ctx) => {
    if (name === 'bun' && !tools.bun) ctx.skip();
    const pm = pmOf(name);
    const transcript: string[] = [];
    transcripts.set(name, transcript);
    const dir = tempApp(`upgrade-${name}`);
    apps.push(dir);
    writeJson(path.join(dir, 'package.json'), {
      name: 'cep-upgrade-app',
      version: '1.0.0',
      private: true,
      dependencies: { '@clerk/clerk-js': '6.7.1', '@clerk/expo': '3.2.7' },
      devDependencies: appDevDependencies(tarball),
    });
    pm.setup(dir);
    await step(name, 'first install', pm.install(dir), 0);
    await step(name, 'sync', cli(['sync', '--cwd', dir], dir), 0);
    await step(name, 'install after sync', pm.install(dir), 0);

    // PR 1: @clerk/expo 3.2.7 → 3.2.8, package.json and lockfile only.
    bump(dir, { '@clerk/expo': '3.2.8' });
    await step(name, 'PR 1: bot updates the lockfile', pm.lockfile(dir), 0);
    await cleanCheckout(dir);
    const ci1 = await step(name, 'PR 1: CI install', pm.ci(dir));
    transcript.push(`--- ${name}, PR 1 (@clerk/expo 3.2.7 → 3.2.8), CI install exit ${ci1.status}:`, ...ours(ci1));
    expect(ci1.status, said(ci1)).not.toBe(0);
    const text1 = said(ci1);
    expect(text1).toContain('@clerk/expo 3.2.7 → 3.2.8');
    expect(text1).toMatch(
      /@clerk\/expo@3\.2\.8 still needs B ios-configure-waits-for-session, C ios-keep-cache-on-first-launch, H singleton-latest-token-cache, F token-cache-keeps-session-on-read-error, J load-retries-unanswered-requests, K session-token-rejection-rereads-client; a verified patch ships for it/,
    );
    expect(text1).toContain('No longer needed (fixed upstream): D native-signout-after-load (fixed in 3.2.8).');
    expect(text1).toContain(`Next (one command; commit what it changes): npx clerk-expo-patches sync && ${pm.command}`);
    expect(text1).not.toMatch(/no longer necessary|Just delete it|ERR_PNPM_UNUSED_PATCH|ERR_PNPM_PATCH_NOT_APPLIED/);

    // The one command, then the PR's CI install on a clean checkout: green, 3.2.8 patched.
    await step(name, 'PR 1: sync', cli(['sync', '--cwd', dir], dir), 0);
    await step(name, `PR 1: ${pm.command}`, pm.install(dir), 0);
    await cleanCheckout(dir);
    await step(name, 'PR 1 with the sync commit: CI install', pm.ci(dir), 0);
    const c1 = await check(dir);
    expect(c1.results.find((r) => r.package === '@clerk/expo' && r.path === 'node_modules/@clerk/expo')).toMatchObject({
      installed: '3.2.8',
      status: 'patched',
    });
    expect(c1.results.find((r) => r.package === '@clerk/clerk-js' && r.path === 'node_modules/@clerk/clerk-js')).toMatchObject({
      installed: '6.7.1',
      status: 'patched',
    });

    if (name === 'npm') {
      // An install without devDependencies, documented in docs/adoption.md: --omit=dev fails in the postinstall
      // (the tool is a devDependency). (--ignore-scripts leaving node_modules unpatched, which the config plugin
      // then refuses to prebuild, is the Expo app e2e's case.)
      await cleanCheckout(dir);
      const omit = await step(name, 'npm ci --omit=dev', run('npm', ['ci', '--omit=dev', '--legacy-peer-deps'], dir, cleanEnv(CI)));
      transcript.push(
        `--- npm ci --omit=dev, exit ${omit.status}:`,
        ...said(omit)
          .split('\n')
          .filter((l) => /not found|command/.test(l)),
      );
      expect(omit.status).not.toBe(0);
      expect(said(omit)).toMatch(/clerk-expo-patches: (command )?not found/);
    }

    // PR 2: @clerk/clerk-js 6.7.4 (nothing left to patch) with @clerk/expo 3.2.99 (no patch ships for it).
    bump(dir, { '@clerk/clerk-js': '6.7.4', '@clerk/expo': `file:${fakeRelease}` });
    await step(name, 'PR 2: bot updates the lockfile', pm.lockfile(dir), 0);
    await cleanCheckout(dir);
    const ci2 = await step(name, 'PR 2: CI install', pm.ci(dir));
    transcript.push(
      `--- ${name}, PR 2 (@clerk/clerk-js 6.7.1 → 6.7.4, @clerk/expo 3.2.8 → 3.2.99), CI install exit ${ci2.status}:`,
      ...ours(ci2),
    );
    expect(ci2.status, said(ci2)).not.toBe(0);
    const text2 = said(ci2);
    expect(text2).toContain('@clerk/clerk-js 6.7.1 → 6.7.4');
    expect(text2).toContain('@clerk/clerk-js@6.7.4 needs no fix any more: nothing to patch.');
    expect(text2).toContain('No longer needed (fixed upstream): A headless-background-refresh (fixed in 6.7.4).');
    expect(text2).toContain('@clerk/expo 3.2.8 → 3.2.99');
    expect(text2).toMatch(
      /@clerk\/expo@3\.2\.99 still needs B ios-configure-waits-for-session, C ios-keep-cache-on-first-launch, H singleton-latest-token-cache, F token-cache-keeps-session-on-read-error, J load-retries-unanswered-requests, K session-token-rejection-rereads-client \(their affected ranges cover it\), and clerk-expo-patches \S+ ships no patch for it/,
    );
    expect(text2).toContain('update clerk-expo-patches');
    expect(text2).not.toMatch(/no longer necessary|Just delete it|ERR_PNPM_UNUSED_PATCH|ERR_PNPM_PATCH_NOT_APPLIED/);
  }, 1_800_000);
});
