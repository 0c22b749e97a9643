import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixesFor } from '../../scripts/fixes/index.ts';
import { findInstalled, snapshotFromDir, TARGET_PACKAGES } from '../../scripts/consumer/installed.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { detectAll } from '../../scripts/codemod/run-fixes.ts';
import type { CheckReport } from '../../scripts/commands/check.ts';
import { CACHE_DIR, cli, runConfigPlugin, appDevDependencies, tempApp, writeJson, type RunResult } from './helpers.ts';
import { said } from './upgrade-flow.ts';
import { ciToolchains } from './ci-toolchains.ts';
import { pmCommands, toolchainEnv, type PmKind, type Toolchain } from './toolchain.ts';

/**
 * The consumer side with real installs of the packed package: a throwaway app per package
 * manager installs this repository's `npm pack` output beside a patched version, the app's own
 * node_modules/.bin/clerk-expo-patches `sync` wires it, a real install applies it, the installed files detect as
 * patched and `check` exits 0. Then an upgrade to the upstream-fixed versions: `check` reports
 * the stale patch (exit 1), `sync` removes it, a reinstall is clean and `check` exits 0.
 * A stale ios/<App>/ClerkViewFactory.swift is reported. No React Native toolchain: peers are
 * not installed. Each package manager at the oldest version we support (test/compat/rows.ts:
 * npm 10, pnpm 9, yarn 4.0.0, yarn 1, bun 1.1; the newest of each run the upgrade PRs in
 * upgrade.test.ts; `npm run compat` runs the whole table).
 */
const manifest = readManifest();
const shipped = (name: string, version: string) => manifest.patches.some((p) => p.package === name && p.version === version);
const CLERK_JS = { patched: '6.7.1', fixed: '6.7.4' };
// 3.2.8 fixes D upstream; the Swift fixes (B, C) may still ship a patch for it: the assertions read the manifest.
const EXPO = { patched: '3.2.7', fixed: '3.2.8' };
if (!shipped('@clerk/expo', EXPO.patched) || !shipped('@clerk/clerk-js', CLERK_JS.patched)) {
  throw new Error(
    `e2e needs shipped patches for @clerk/clerk-js@${CLERK_JS.patched} and @clerk/expo@${EXPO.patched} in patches/manifest.json: run \`npm run patches\``,
  );
}

type PmName = PmKind;
interface Pm {
  name: PmName;
  setup(dir: string): void;
  install(dir: string): Promise<RunResult>;
  /** Its commands' environment (its Node and itself first on PATH), for our CLI too. */
  env: NodeJS.ProcessEnv;
}

let toolchains: Map<PmKind, Toolchain>;
let bunSkip: string | undefined;
const timings: string[] = [];
const tarball = inject('cepTarball');
const apps: string[] = [];

function pmOf(name: PmName): Pm {
  const tc = toolchains.get(name)!;
  const { setup, install } = pmCommands(tc);
  // The package manager on PATH, as on its users' machines: sync asks it its version (pnpm's wiring depends on it).
  return { name, setup, install, env: toolchainEnv(tc) };
}

function deps(which: 'patched' | 'fixed'): Record<string, string> {
  return { '@clerk/clerk-js': CLERK_JS[which], '@clerk/expo': EXPO[which] };
}

async function install(pm: Pm, dir: string, label: string, mustSucceed = true): Promise<RunResult> {
  const r = await pm.install(dir);
  const line = `e2e ${pm.name}: ${label}: ${(r.ms / 1000).toFixed(1)}s (exit ${r.status})`;
  timings.push(line);
  process.stderr.write(`${line}\n`);
  if (mustSucceed && r.status !== 0) throw new Error(`${pm.name} ${label} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function checkJson(dir: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; report: CheckReport; stderr: string }> {
  const r = await cli(['check', '--json', '--cwd', dir], dir, env);
  let report: CheckReport;
  try {
    report = JSON.parse(r.stdout) as CheckReport;
  } catch {
    throw new Error(`check --json did not print JSON on stdout (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, report, stderr: r.stderr };
}

/**
 * detect() of every fix, on the installed files of the top-level copy (not the manifest hashes).
 * One file at a time, yielding between them: a bundle parse takes seconds and vitest's worker
 * RPC must keep ticking.
 */
async function assertInstalledPatched(dir: string, name: string, version: string) {
  const copy = findInstalled(dir, TARGET_PACKAGES).find((c) => c.name === name && c.chain.length === 1 && !c.inStore);
  expect(copy?.version, `${name} installed at the top level`).toBe(version);
  const snap = snapshotFromDir(copy!);
  const fixes = fixesFor(name).filter((f) =>
    manifest.patches.find((p) => p.package === name && p.version === version)?.fixes.includes(f.id),
  );
  expect(fixes.length, `fixes shipped for ${name}@${version}`).toBeGreaterThan(0);
  for (const fix of fixes) {
    for (const file of fix.targets(snap)) {
      await new Promise((r) => setImmediate(r));
      const [d] = detectAll(snap, [{ ...fix, targets: () => [file] }]);
      expect(`${d!.fix} ${d!.file}: ${d!.detection.status}`).toBe(`${d!.fix} ${d!.file}: patched`);
    }
  }
}

beforeAll(async () => {
  ({ toolchains, bunSkip } = await ciToolchains('oldest', ['npm', 'pnpm', 'yarn-berry', 'bun', 'yarn-classic'], 'consumer'));
  fs.mkdirSync(CACHE_DIR, { recursive: true });
}, 1_800_000);

// Removing apps with their node_modules takes minutes on a loaded machine: async, so vitest's worker RPC keeps ticking.
afterAll(async () => {
  process.stderr.write(`\ne2e install wall times:\n  ${timings.join('\n  ')}\n`);
  if (process.env.CLERK_EXPO_PATCHES_KEEP_E2E !== '1') for (const a of apps) await fs.promises.rm(a, { recursive: true, force: true });
}, 1_800_000);

// Each package manager's app is its own: they run at once (installs are child processes).
describe.concurrent.each<PmName>(['npm', 'pnpm', 'yarn-berry', 'bun', 'yarn-classic'])('consumer app with %s', (name) => {
  it('sync wires the shipped patches, a real install applies them, check gates an upgrade', async (ctx) => {
    if (name === 'bun' && bunSkip) {
      process.stderr.write(`e2e: SKIPPING bun: ${bunSkip}\n`);
      ctx.skip();
    }
    const pm = pmOf(name);
    const dir = tempApp(name);
    apps.push(dir);
    writeJson(path.join(dir, 'package.json'), {
      name: 'cep-e2e-app',
      version: '1.0.0',
      private: true,
      dependencies: deps('patched'),
      devDependencies: appDevDependencies(tarball),
    });
    pm.setup(dir);
    await install(pm, dir, 'first install');
    // The installed config plugin (resolved as Expo resolves it) stops a prebuild on the unpatched install.
    const p0 = await runConfigPlugin(dir);
    expect(p0.status, said(p0)).toBe(1);
    expect(p0.stderr).toContain('ConfigError: clerk-expo-patches: a shipped patch is not applied');
    expect(p0.stderr).toContain(`@clerk/clerk-js@${CLERK_JS.patched}`);

    // sync: dry run writes nothing; the real run wires.
    const before = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
    const dry = await cli(['sync', '--dry-run', '--cwd', dir], dir, pm.env);
    expect(dry.status, said(dry)).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(dir, '.clerk-expo-patches.json'))).toBe(false);
    const s1 = await cli(['sync', '--cwd', dir], dir, pm.env);
    expect(s1.status, s1.stderr).toBe(0);
    expect(s1.stdout).toMatch(/next: /);
    expect(fs.existsSync(path.join(dir, '.clerk-expo-patches.json'))).toBe(true);

    await install(pm, dir, 'install after sync');
    const p1 = await runConfigPlugin(dir);
    expect(p1.status, said(p1)).toBe(0);
    expect(said(p1).trim()).toBe('');
    await assertInstalledPatched(dir, '@clerk/clerk-js', CLERK_JS.patched);
    await assertInstalledPatched(dir, '@clerk/expo', EXPO.patched);
    const c1 = await checkJson(dir, pm.env);
    expect(c1.status, c1.stderr).toBe(0);
    expect(c1.report.ok).toBe(true);
    expect(c1.report.packageManager).toBe(name);
    expect(c1.report.results.find((r) => r.package === '@clerk/clerk-js' && r.installed === CLERK_JS.patched)?.status).toBe('patched');
    // A second sync changes nothing.
    const s2 = await cli(['sync', '--cwd', dir], dir, pm.env);
    expect(s2.status).toBe(0);
    expect(s2.stdout).toMatch(/nothing to change/);

    // A committed ios/ holding an old copy of the Swift bridge is reported until it matches node_modules.
    const swift = path.join(dir, 'node_modules', '@clerk', 'expo', 'ios', 'ClerkViewFactory.swift');
    const appCopy = path.join(dir, 'ios', 'CepApp', 'ClerkViewFactory.swift');
    fs.mkdirSync(path.dirname(appCopy), { recursive: true });
    fs.writeFileSync(appCopy, `${fs.readFileSync(swift, 'utf8')}\n// copied by an older prebuild\n`);
    const c2 = await checkJson(dir, pm.env);
    expect(c2.status).toBe(1);
    expect(c2.report.results.find((r) => r.path === 'ios/CepApp/ClerkViewFactory.swift')?.status).toBe('stale-ios-copy');
    fs.copyFileSync(swift, appCopy);
    expect((await checkJson(dir, pm.env)).status).toBe(0);
    fs.rmSync(path.join(dir, 'ios'), { recursive: true });

    // Upgrade to the upstream-fixed versions: the wired patch is now stale.
    const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeJson(path.join(dir, 'package.json'), { ...pj, dependencies: deps('fixed') });
    // npm: the postinstall's patch-package fails loudly; pnpm refuses a patch for a version no longer wanted.
    await install(pm, dir, 'reinstall after upgrade (may fail: stale patch)', false);
    const c3 = await checkJson(dir, pm.env);
    expect(c3.status, c3.stderr).toBe(1);
    expect(
      c3.report.results.some((r) => r.package === '@clerk/clerk-js' && r.status === 'stale-patch'),
      JSON.stringify(c3.report.results, null, 2),
    ).toBe(true);

    const s3 = await cli(['sync', '--cwd', dir], dir, pm.env);
    expect(s3.status, said(s3)).toBe(0);
    await install(pm, dir, 'install after sync (upgrade)');
    // pnpm could not install the upgrade while the stale patch was wired: sync again on the new versions.
    const s4 = await cli(['sync', '--cwd', dir], dir, pm.env);
    expect(s4.status, s4.stderr).toBe(0);
    if (!/nothing to change/.test(s4.stdout)) await install(pm, dir, 'install after second sync');
    const c4 = await checkJson(dir, pm.env);
    expect(c4.status, c4.stderr).toBe(0);
    expect(c4.report.results.filter((r) => r.status === 'stale-patch')).toEqual([]);
    // Each upgraded version: patched when a patch ships for it (other fixes may still apply), else fixed upstream with nothing wired.
    for (const [pkg, version] of Object.entries(deps('fixed'))) {
      const row = c4.report.results.find((r) => r.package === pkg && r.path === `node_modules/${pkg}`);
      expect(row?.installed).toBe(version);
      if (shipped(pkg, version)) {
        expect(row?.status, `${pkg}@${version} has a shipped patch`).toBe('patched');
        expect(row?.patch).not.toBeNull();
        await assertInstalledPatched(dir, pkg, version);
      } else {
        expect(row?.status).toBe('fixed-upstream');
        expect(row?.patch).toBeNull();
      }
    }
    const anyShipped = Object.entries(deps('fixed')).some(([pkg, v]) => shipped(pkg, v));
    expect(fs.existsSync(path.join(dir, '.clerk-expo-patches.json'))).toBe(anyShipped);
  }, 1_800_000);
});

describe.concurrent('npm: a nested copy', () => {
  it('gets its own patch-package patch (node_modules/@clerk/expo/node_modules/@clerk/clerk-js)', async () => {
    const pm = pmOf('npm');
    const dir = tempApp('npm-nested');
    apps.push(dir);
    // The app is on the fixed 6.7.4; an override pins @clerk/expo's own copy to the affected 6.7.1, so npm nests it.
    writeJson(path.join(dir, 'package.json'), {
      name: 'cep-e2e-nested',
      version: '1.0.0',
      private: true,
      dependencies: { '@clerk/clerk-js': CLERK_JS.fixed, '@clerk/expo': EXPO.patched },
      devDependencies: appDevDependencies(tarball),
      overrides: { '@clerk/expo': { '@clerk/clerk-js': CLERK_JS.patched } },
    });
    await install(pm, dir, 'first install (nested)');
    const nested = findInstalled(dir, TARGET_PACKAGES).find((c) => c.relPath === 'node_modules/@clerk/expo/node_modules/@clerk/clerk-js');
    expect(nested?.version).toBe(CLERK_JS.patched);
    const s = await cli(['sync', '--cwd', dir], dir, pm.env);
    expect(s.status, said(s)).toBe(0);
    expect(fs.existsSync(path.join(dir, 'patches', `@clerk+expo++@clerk+clerk-js+${CLERK_JS.patched}.patch`))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'patches', `@clerk+clerk-js+${CLERK_JS.fixed}.patch`))).toBe(false);
    await install(pm, dir, 'install after sync (nested)');
    const c = await checkJson(dir, pm.env);
    expect(c.status, c.stderr).toBe(0);
    const row = c.report.results.find((r) => r.path === nested!.relPath);
    expect(row?.status).toBe('patched');
    expect(row?.patch).toBe(`patches/@clerk+expo++@clerk+clerk-js+${CLERK_JS.patched}.patch`);
    expect(c.report.results.find((r) => r.path === 'node_modules/@clerk/clerk-js')?.status).toBe('fixed-upstream');
  }, 1_800_000);
});
