import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import type { CheckReport } from '../../scripts/commands/check.ts';
import { CACHE_DIR, cli, run, tempApp, type RunResult } from './helpers.ts';
import { ciToolchains } from './ci-toolchains.ts';
import { pmCommands, toolchainEnv, type PmKind, type Toolchain } from './toolchain.ts';
import { APP_DEPENDENCIES, bump, cleanCheckout, guardProblems, ours, patchedProblems, PR_BUMP, said, writeApp } from './upgrade-flow.ts';

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
 * Each package manager at the newest version the registry serves (test/compat/rows.ts, resolved
 * when the run starts: pnpm 12, yarn 4, bun 1; yarn 1 in the full run), npm as the machine has it. The oldest we
 * support run sync → install → check in consumer.test.ts; `npm run compat` runs the whole table.
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

/**
 * Every package manager through PR 2, and npm's `npm ci --omit=dev` (`npm run test:e2e:full`, the
 * scheduled workflow); CI: PR 2 on pnpm only, and no yarn 1 app (yarn 1.22.22 is both the oldest and
 * the newest yarn 1, which consumer.test.ts installs on every build; `npm run compat` runs its upgrade).
 */
const FULL = process.env.CLERK_EXPO_PATCHES_E2E_FULL === '1';
const KINDS: PmKind[] = FULL ? ['npm', 'pnpm', 'yarn-berry', 'yarn-classic', 'bun'] : ['npm', 'pnpm', 'yarn-berry', 'bun'];
const tarball = inject('cepTarball');
let toolchains: Map<PmKind, Toolchain>;
let fakeRelease: string;
let bunSkip: string | undefined;
const apps: string[] = [];
/** What each package manager's CI printed of ours, kept apart: the five run at once. */
const transcripts = new Map<PmKind, string[]>();
const CI = { CI: 'true' };

async function step(name: string, label: string, p: Promise<RunResult>, expectExit?: number): Promise<RunResult> {
  const r = await p;
  process.stderr.write(`e2e upgrade ${name}: ${label}: ${(r.ms / 1000).toFixed(1)}s (exit ${r.status})\n`);
  if (expectExit !== undefined) expect(r.status, `${name} ${label}:\n${said(r)}`).toBe(expectExit);
  return r;
}

beforeAll(async () => {
  ({ toolchains, bunSkip } = await ciToolchains('newest', KINDS, 'upgrade'));
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

describe.concurrent.each<PmKind>(KINDS)('upgrade PRs with %s (newest)', (kind) => {
  it('an upgrade PR stops CI with our words; the one command it names makes it green', async (ctx) => {
    if (kind === 'bun' && bunSkip) {
      process.stderr.write(`e2e: SKIPPING bun: ${bunSkip}\n`);
      ctx.skip();
    }
    const tc = toolchains.get(kind)!;
    const name = `${kind} ${tc.version}`;
    const pm = pmCommands(tc, { yarnClassicCache: 'yarn-classic-cache-upgrade' });
    const env = toolchainEnv(tc);
    const transcript: string[] = [];
    transcripts.set(kind, transcript);
    const dir = tempApp(`upgrade-${kind}`);
    apps.push(dir);
    writeApp(dir, tarball);
    pm.setup(dir);
    await step(name, 'first install', pm.install(dir), 0);
    await step(name, 'sync', cli(['sync', '--cwd', dir], dir, env), 0);
    await step(name, 'install after sync', pm.install(dir), 0);
    const c0 = JSON.parse((await cli(['check', '--json', '--cwd', dir], dir, env)).stdout) as CheckReport;
    expect(patchedProblems(c0, APP_DEPENDENCIES), 'after sync and an install, both copies are patched').toEqual([]);

    // PR 1: @clerk/expo 3.2.7 → 3.2.8, package.json and lockfile only.
    bump(dir, PR_BUMP);
    await step(name, 'PR 1: bot updates the lockfile', pm.lockfile(dir), 0);
    await cleanCheckout(dir);
    const ci1 = await step(name, 'PR 1: CI install', pm.ci(dir));
    transcript.push(`--- ${name}, PR 1 (@clerk/expo 3.2.7 → 3.2.8), CI install exit ${ci1.status}:`, ...ours(ci1));
    expect(guardProblems(ci1, pm.command), said(ci1)).toEqual([]);

    // The one command, then the PR's CI install on a clean checkout: green, 3.2.8 patched.
    await step(name, 'PR 1: sync', cli(['sync', '--cwd', dir], dir, env), 0);
    await step(name, `PR 1: ${pm.command}`, pm.install(dir), 0);
    await cleanCheckout(dir);
    await step(name, 'PR 1 with the sync commit: CI install', pm.ci(dir), 0);
    const c1 = JSON.parse((await cli(['check', '--json', '--cwd', dir], dir, env)).stdout) as CheckReport;
    expect(patchedProblems(c1, { ...APP_DEPENDENCIES, ...PR_BUMP })).toEqual([]);

    if (kind === 'npm' && FULL) {
      // An install without devDependencies, documented in docs/adoption.md: --omit=dev fails in the postinstall
      // (the tool is a devDependency). (--ignore-scripts leaving node_modules unpatched, which the config plugin
      // then refuses to prebuild, is the Expo app e2e's case.)
      await cleanCheckout(dir);
      const omit = await step(name, 'npm ci --omit=dev', run('npm', ['ci', '--omit=dev', '--legacy-peer-deps'], dir, toolchainEnv(tc, CI)));
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
    // Its words do not depend on the package manager: CI runs it on pnpm (the newest, whose installs
    // are quick), `npm run test:e2e:full` on every one.
    if (kind !== 'pnpm' && !FULL) return;
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
