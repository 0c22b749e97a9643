import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { config } from '../../scripts/infra/config.ts';
import { README } from '../../scripts/infra/paths.ts';
import type { CheckReport } from '../../scripts/commands/check.ts';
import { CACHE_DIR, cleanEnv, run, tempApp, writeJson } from './helpers.ts';
import { installIntoCache, publish, startVerdaccio, type Verdaccio } from './verdaccio.ts';

/**
 * The package as a registry serves it: `npm publish` of the packed tarball to a local verdaccio,
 * then the README's adoption commands, parsed out of its "Adopt it" code block (so this test
 * breaks when the README changes), run as written in an app whose only link to that registry is
 * its .npmrc's `registry=`. npm runs the block verbatim; pnpm (the newest the registry serves,
 * resolved at run time) runs it with the README's own "or: pnpm …" alternatives.
 *
 * The app: @clerk/expo 4.6.6 and @clerk/clerk-js 6.7.1 (both with a shipped patch) and react.
 * Its .npmrc also keeps the peers an Expo app already has (expo, react-native, expo-secure-store…)
 * out of the install, as the other consumer apps here do: installing a whole Expo app per
 * package manager does not fit CI (expo-app.test.ts installs the real template once).
 *
 * Also: the published tarball's file list (no tests, fixtures, maintainer code) and what it costs
 * installed, with its dependencies (≤ 3.5 MB; measured 2.97 MB: this package 2.17 MB, most of it the
 * brotli-compressed patches, the long minified lines of the @clerk/clerk-js bundles above all; `yaml`,
 * which sync needs to edit pnpm-workspace.yaml as a document, ships a CommonJS and an ESM build).
 *
 * The registry cases run with CLERK_EXPO_PATCHES_REGISTRY_E2E=1 (`npm run test:registry`, the
 * scheduled upstream job), not in every CI run; the README's block is parsed in every run.
 */
const ENABLED = process.env.CLERK_EXPO_PATCHES_REGISTRY_E2E === '1';
const APP_DEPS = { '@clerk/expo': '4.6.6', '@clerk/clerk-js': '6.7.1', react: '19.1.0' };
const INSTALLED_LIMIT = 3_500_000;
const tarball = inject('cepTarball');
let reg: Verdaccio;
let pnpmBin: string;
let pnpmVersion: string;

/** The README's adoption block: each command with its `# or: …` alternatives. */
export function adoptionCommands(readme: string): { command: string; alternatives: string[] }[] {
  const section = readme.slice(readme.indexOf('## Adopt it'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```sh block under "## Adopt it"');
  return block[1]!
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [command, comment = ''] = l.split(/\s+#\s+/);
      const or = /^or: ([^—]*)/.exec(comment.trim());
      return { command: command!.trim(), alternatives: or ? or[1]!.split('/').map((s) => s.trim()) : [] };
    });
}

/** A command for another package manager: its own alternative (with the npm command's package arguments), or the command itself. */
export function forPm(c: { command: string; alternatives: string[] }, pm: string): string {
  const alt = c.alternatives.find((a) => a.startsWith(`${pm} `));
  if (!alt) return c.command;
  const [, , ...rest] = c.command.split(/\s+/);
  return [alt, ...rest.filter((a) => !a.startsWith('-'))].join(' ');
}

function fileBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile() && e.name !== '.package-lock.json') n += fs.statSync(path.join(e.parentPath, e.name)).size;
  return n;
}

async function newestPnpm(): Promise<{ bin: string; version: string }> {
  const v = await run('npm', ['view', 'pnpm', 'version'], os.tmpdir());
  const version = v.stdout.trim();
  const dir = path.join(config().cacheDir, 'e2e', `pnpm-${version}`);
  // pnpm ≤ 10: bin/pnpm.cjs; pnpm 11+: bin/pnpm.mjs, which runs the native binary of its optional
  // per-platform package (@pnpm/exe.<os>-<arch>; its own comment in node_modules/pnpm/pnpm says so).
  const entry = () => ['pnpm.mjs', 'pnpm.cjs'].map((f) => path.join(dir, 'node_modules', 'pnpm', 'bin', f)).find((f) => fs.existsSync(f));
  await installIntoCache(dir, [`pnpm@${version}`]);
  // `pnpm` on PATH, as a user has it.
  const shim = path.join(dir, 'shim');
  fs.mkdirSync(shim, { recursive: true });
  fs.writeFileSync(path.join(shim, 'pnpm'), `#!/bin/sh\nexec "${process.execPath}" "${entry()}" "$@"\n`, { mode: 0o755 });
  return { bin: shim, version };
}

beforeAll(async () => {
  if (!ENABLED) return;
  const [r, p] = await Promise.all([startVerdaccio({ local: ['clerk-expo-patches'] }), newestPnpm()]);
  reg = r;
  pnpmBin = p.bin;
  pnpmVersion = p.version;
  await publish(reg, tarball);
});

afterAll(async () => {
  await reg?.stop();
});

describe.skipIf(!ENABLED)('the published package (CLERK_EXPO_PATCHES_REGISTRY_E2E=1)', () => {
  it('ships no tests, fixtures or maintainer code', async () => {
    const res = await fetch(`${reg.url}clerk-expo-patches`);
    const doc = (await res.json()) as { versions: Record<string, { dist: { tarball: string } }> };
    const [version] = Object.values(doc.versions);
    const dir = tempApp('files');
    const tgz = path.join(dir, 'p.tgz');
    fs.writeFileSync(tgz, Buffer.from(await (await fetch(version!.dist.tarball)).arrayBuffer()));
    const list = (await run('tar', ['-tzf', tgz], dir)).stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    expect(list).toContain('bin/clerk-expo-patches.mjs');
    expect(list).toContain('dist/cli.js');
    expect(list).toContain('dist/patches/manifest.json');
    const forbidden = list.filter((f) =>
      /^(test|fixtures|scripts|patches|docs)\/|^dist\/(produce|provenance|bench\.js|commands\/(generate|verify)\.js|patch-file\/apply\.js)|upstream|\.test\.|verdaccio/.test(
        f,
      ),
    );
    expect(forbidden).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('costs ≤ 3.5 MB installed with its dependencies', async () => {
    const dir = tempApp('size');
    // Installed in an empty project from the registry, with every dependency it brings.
    fs.writeFileSync(path.join(dir, '.npmrc'), `registry=${reg.url}\n`);
    writeJson(path.join(dir, 'package.json'), { private: true });
    const i = await run('npm', ['i', '-D', 'clerk-expo-patches', '--no-audit', '--no-fund'], dir);
    expect(i.status, i.stderr).toBe(0);
    // The bytes of every file installed (npm's own unpackedSize measure, summed over the packages; no directory entries).
    const bytes = fileBytes(path.join(dir, 'node_modules'));
    const each = fs
      .readdirSync(path.join(dir, 'node_modules'))
      .filter((d) => !d.startsWith('.'))
      .map((d) => `${d} ${(fileBytes(path.join(dir, 'node_modules', d)) / 1e6).toFixed(2)} MB`);
    process.stderr.write(`registry adoption: installed with its dependencies ${(bytes / 1e6).toFixed(2)} MB (${each.join(', ')})\n`);
    expect(bytes).toBeLessThanOrEqual(INSTALLED_LIMIT);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

const steps = adoptionCommands(fs.readFileSync(README, 'utf8'));

describe("the README's adoption block", () => {
  it('is the four steps this test runs, and names the pnpm alternatives', () => {
    expect(steps.map((s) => s.command)).toEqual([
      'npm i -D clerk-expo-patches',
      'npx clerk-expo-patches sync',
      'npm install',
      'npx clerk-expo-patches check',
    ]);
    expect(steps.map((s) => forPm(s, 'pnpm'))).toEqual([
      'pnpm add -D clerk-expo-patches',
      'npx clerk-expo-patches sync',
      'pnpm install',
      'npx clerk-expo-patches check',
    ]);
  });
});

describe.skipIf(!ENABLED)(
  "the README's adoption commands against a registry that serves this package (CLERK_EXPO_PATCHES_REGISTRY_E2E=1)",
  () => {
    for (const pm of ['npm', 'pnpm'] as const) {
      it.concurrent(`${pm}: the app ends patched and check exits 0`, async () => {
        const dir = tempApp(`adopt-${pm}`);
        try {
          writeJson(path.join(dir, 'package.json'), { name: `adopt-${pm}`, version: '1.0.0', private: true, dependencies: APP_DEPS });
          fs.writeFileSync(path.join(dir, '.npmrc'), `registry=${reg.url}\n${pm === 'npm' ? 'legacy-peer-deps=true\n' : ''}`);
          // pnpm 11+ reads its settings from pnpm-workspace.yaml (.npmrc keeps the registry and auth), and fails an
          // install whose dependencies' build scripts nobody decided on while strictDepBuilds is on
          // (pnpm.io/cli/ignored-builds): the app's own choices, made before it adopts anything.
          if (pm === 'pnpm')
            fs.writeFileSync(
              path.join(dir, 'pnpm-workspace.yaml'),
              `autoInstallPeers: false\nstrictPeerDependencies: false\nstrictDepBuilds: false\nstoreDir: ${JSON.stringify(path.join(CACHE_DIR, `pnpm-${pnpmVersion}-store`))}\n`,
            );
          const env = cleanEnv({ PATH: `${pnpmBin}${path.delimiter}${process.env.PATH}` });
          // The app as it was before adoption: installed from the registry.
          const first = await run(pm, ['install'], dir, env);
          expect(first.status, first.stderr).toBe(0);
          const said: string[] = [];
          for (const step of steps) {
            const command = forPm(step, pm);
            const r = await run('sh', ['-c', command], dir, env);
            said.push(`$ ${command} (exit ${r.status})\n${r.stdout}${r.stderr}`);
            expect(r.status, said.join('\n')).toBe(0);
          }
          const check = await run('sh', ['-c', 'npx clerk-expo-patches check --json'], dir, env);
          const report = JSON.parse(check.stdout) as CheckReport;
          const rows = report.results.filter((x) => x.kind === 'installed').map((x) => `${x.package}@${x.installed} ${x.status}`);
          expect(rows, `${pm} ${pnpmVersion}`).toEqual(
            expect.arrayContaining(['@clerk/expo@4.6.6 patched', '@clerk/clerk-js@6.7.1 patched']),
          );
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    it.concurrent('npm: `npx clerk-expo-patches sync && npm install` in an app that never installed it', async () => {
      const dir = tempApp('adopt-npx');
      try {
        writeJson(path.join(dir, 'package.json'), { name: 'adopt-npx', version: '1.0.0', private: true, dependencies: APP_DEPS });
        fs.writeFileSync(path.join(dir, '.npmrc'), `registry=${reg.url}\nlegacy-peer-deps=true\n`);
        const first = await run('npm', ['install'], dir);
        expect(first.status, first.stderr).toBe(0);
        // npx fetches the package for this one run; sync must list it, or the postinstall it writes fails (exit 127).
        const r = await run('sh', ['-c', 'npx --yes clerk-expo-patches sync && npm install'], dir);
        expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
        const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
        expect(pj.devDependencies?.['clerk-expo-patches']).toMatch(/^\^\d+\.\d+\.\d+/);
        const check = await run('sh', ['-c', 'npx clerk-expo-patches check'], dir);
        expect(check.status, check.stdout).toBe(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
