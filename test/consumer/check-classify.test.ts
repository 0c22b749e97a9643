import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCheck } from '../../scripts/commands/check.ts';
import { fixedInCell } from '../../scripts/consumer/check/render.ts';
import { applyWithPatchPackage } from '../../scripts/patch-file/apply.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { PATCHES_DIR } from '../../scripts/infra/paths.ts';
import { sha256 } from '../../scripts/infra/hash.ts';
import { fetchPackage, type Snapshot } from '../../scripts/produce/npm-registry.ts';
import { schemaErrors } from '../cli/report-schema.ts';

/**
 * check's classifier on a small on-disk npm app holding the real @clerk/expo files (the bridge and
 * ClerkProvider.js from the registry tarball, pristine or with the shipped patch applied by
 * patch-package): the ios/ copy judged on its own, leftover patches named for removal, the
 * fixed-in cell per fix, and every report valid against schema/report.schema.json.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-classify-'));
const app = path.join(root, 'app');
const expoDir = path.join(app, 'node_modules', '@clerk', 'expo');
const BRIDGE = 'ios/ClerkViewFactory.swift';
const manifest = readManifest();
const pkgs = new Map<string, Snapshot>();
const patchedFiles = new Map<string, Map<string, string>>();
const shippedPatch = (version: string) => manifest.patches.find((p) => p.package === '@clerk/expo' && p.version === version)!;

function install(version: string, patched: boolean) {
  fs.rmSync(app, { recursive: true, force: true });
  const pkg = pkgs.get(version)!;
  fs.mkdirSync(expoDir, { recursive: true });
  fs.writeFileSync(path.join(expoDir, 'package.json'), pkg.read('package.json')!);
  for (const f of shippedPatch(version).files) {
    fs.mkdirSync(path.dirname(path.join(expoDir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(expoDir, f.path), patched ? patchedFiles.get(version)!.get(f.path)! : pkg.read(f.path)!);
  }
  fs.writeFileSync(
    path.join(app, 'package.json'),
    `${JSON.stringify({ name: 'a', private: true, dependencies: { '@clerk/expo': version } }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(app, 'package-lock.json'), '{}\n');
}

/** What a prebuild copies into ios/<App>/: the bridge, pristine or patched. */
function prebuildCopy(text: string) {
  fs.mkdirSync(path.join(app, 'ios', 'MyApp'), { recursive: true });
  fs.writeFileSync(path.join(app, 'ios', 'MyApp', 'ClerkViewFactory.swift'), text);
}

function wire(version: string) {
  fs.mkdirSync(path.join(app, 'patches'), { recursive: true });
  fs.copyFileSync(path.join(PATCHES_DIR, shippedPatch(version).patch), path.join(app, 'patches', shippedPatch(version).patch));
}

const check = async () => {
  const r = await runCheck({ cwd: app });
  expect(schemaErrors(JSON.parse(JSON.stringify(r)))).toBeUndefined();
  return r;
};
const iosRow = async () => (await check()).results.find((r) => r.kind === 'ios-copy')!;

beforeAll(async () => {
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  for (const v of ['3.2.7', '3.2.8']) {
    const pkg = await fetchPackage('@clerk/expo', v);
    pkgs.set(v, pkg);
    const text = fs.readFileSync(path.join(PATCHES_DIR, shippedPatch(v).patch), 'utf8');
    patchedFiles.set(
      v,
      applyWithPatchPackage('@clerk/expo', text, (p) => pkg.read(p)),
    );
  }
});
beforeEach(() => install('3.2.7', false));
afterAll(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('check: the ios/ copy of the Swift bridge is classified on its own', () => {
  it('prebuilt while node_modules was unpatched: the copy is vulnerable (not "patched, same bytes"), and the advice patches node_modules before the prebuild', async () => {
    prebuildCopy(pkgs.get('3.2.7')!.read(BRIDGE)!);
    const row = await iosRow();
    expect(row).toMatchObject({ status: 'vulnerable', finding: true, via: 'manifest-sha256' });
    expect(row.fixes.map((f) => [f.letter, f.status])).toEqual([
      ['B', 'vulnerable'],
      ['C', 'vulnerable'],
    ]);
    expect(row.action).toMatch(/sync.*npm install.*prebuild --clean/);
  });

  it('a patched copy beside a pristine node_modules is the good one: no stale-ios-copy, and the advice says not to prebuild before the install', async () => {
    prebuildCopy(patchedFiles.get('3.2.7')!.get(BRIDGE)!);
    const row = await iosRow();
    expect(row).toMatchObject({ status: 'patched', finding: false });
    expect(row.action).toMatch(/keep this copy/);
    expect(row.action).toMatch(/do not prebuild before/);
    expect(row.action).not.toMatch(/^run `npx expo prebuild/);
    // The finding is on node_modules itself.
    expect((await check()).results.find((r) => r.kind === 'installed')).toMatchObject({ status: 'vulnerable', finding: true });
  });

  it('a pristine copy beside a patched node_modules is stale: prebuild again', async () => {
    install('3.2.7', true);
    prebuildCopy(pkgs.get('3.2.7')!.read(BRIDGE)!);
    const row = await iosRow();
    expect(row).toMatchObject({ status: 'stale-ios-copy', finding: true });
    expect(row.action).toMatch(/prebuild --clean/);
  });

  it('both patched and identical: patched, no finding', async () => {
    install('3.2.7', true);
    prebuildCopy(patchedFiles.get('3.2.7')!.get(BRIDGE)!);
    expect(await iosRow()).toMatchObject({ status: 'patched', finding: false, action: 'none (same bytes as node_modules)' });
  });

  it('a copy no shipped hash knows is read by detect()', async () => {
    install('3.2.7', true);
    prebuildCopy(`${patchedFiles.get('3.2.7')!.get(BRIDGE)!}\n// edited\n`);
    const row = await iosRow();
    expect(row).toMatchObject({ status: 'stale-ios-copy', finding: true, via: 'detect' });
    expect(row.fixes.every((f) => f.status === 'patched')).toBe(true);
  });
});

describe('check: a leftover patch for the same package', () => {
  it('one sync did not write is named for removal (sync leaves it alone, so "run sync" cannot fix it)', async () => {
    install('3.2.8', true);
    wire('3.2.8');
    wire('3.2.7');
    const row = (await check()).results.find((r) => r.kind === 'installed')!;
    expect(row.status).toBe('stale-patch');
    expect(row.action).toMatch(/remove patches\/@clerk\+expo\+3\.2\.7\.patch/);
    expect(row.action).not.toMatch(/clerk-expo-patches sync/);
  });

  it('one sync wrote (still byte-for-byte) is left to sync', async () => {
    install('3.2.8', true);
    wire('3.2.8');
    wire('3.2.7');
    const file = 'patches/@clerk+expo+3.2.7.patch';
    const record = {
      schema: 1,
      tool: 'clerk-expo-patches',
      packageManager: 'npm',
      added: {},
      patches: [{ package: '@clerk/expo', version: '3.2.7', file, sha256: sha256(fs.readFileSync(path.join(app, file))), fixes: [] }],
    };
    fs.writeFileSync(path.join(app, '.clerk-expo-patches.json'), JSON.stringify(record));
    expect((await check()).results.find((r) => r.kind === 'installed')!.action).toMatch(/run `clerk-expo-patches sync`/);
  });
});

describe('check: per-fix entries', () => {
  it('each fix carries its own status and upstream version; the fixed-in cell says which fix each version belongs to', async () => {
    install('3.2.7', true);
    wire('3.2.7');
    const row = (await check()).results.find((r) => r.kind === 'installed')!;
    expect(row.fixes).toEqual([
      {
        id: 'ios-configure-waits-for-session',
        letter: 'B',
        status: 'patched',
        fixedUpstreamIn: '3.4.4',
        patch: 'patches/@clerk+expo+3.2.7.patch',
      },
      {
        id: 'ios-keep-cache-on-first-launch',
        letter: 'C',
        status: 'patched',
        fixedUpstreamIn: '3.4.4',
        patch: 'patches/@clerk+expo+3.2.7.patch',
      },
      {
        id: 'native-signout-after-load',
        letter: 'D',
        status: 'patched',
        fixedUpstreamIn: '3.2.8',
        patch: 'patches/@clerk+expo+3.2.7.patch',
      },
      {
        id: 'singleton-latest-token-cache',
        letter: 'H',
        status: 'patched',
        fixedUpstreamIn: '3.6.3',
        patch: 'patches/@clerk+expo+3.2.7.patch',
      },
      {
        id: 'token-cache-keeps-session-on-read-error',
        letter: 'F',
        status: 'patched',
        fixedUpstreamIn: null,
        patch: 'patches/@clerk+expo+3.2.7.patch',
      },
      {
        id: 'load-retries-unanswered-requests',
        letter: 'J',
        status: 'patched',
        fixedUpstreamIn: null,
        patch: 'patches/@clerk+expo+3.2.7.patch',
      },
      {
        id: 'session-token-rejection-rereads-client',
        letter: 'K',
        status: 'patched',
        fixedUpstreamIn: null,
        patch: 'patches/@clerk+expo+3.2.7.patch',
      },
      {
        id: 'offline-sign-out-forgets-client',
        letter: 'S',
        status: 'patched',
        fixedUpstreamIn: null,
        patch: 'patches/@clerk+expo+3.2.7.patch',
      },
      {
        id: 'proxy-change-keeps-client',
        letter: 'P',
        status: 'patched',
        fixedUpstreamIn: null,
        patch: 'patches/@clerk+expo+3.2.7.patch',
      },
    ]);
    expect(fixedInCell(row.fixes)).toBe('B,C 3.4.4; D 3.2.8; H 3.6.3; F,J,K,S,P not fixed upstream');
    expect(fixedInCell([])).toBe('-');
  });
});
