import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCK_FILE, sync } from '../../scripts/commands/sync.ts';
import { runCheck } from '../../scripts/commands/check.ts';
import { jsEntryPoints } from '../../scripts/codemod/entry-points.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { PATCHES_DIR } from '../../scripts/infra/paths.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';

/**
 * sync and check as functions on a small on-disk app: @clerk/clerk-js 6.7.1's entry points
 * unpacked from the registry tarball (no package manager), a manifest with or without its patch.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-sync-'));
const app = path.join(root, 'app');
const emptyManifest = path.join(root, 'empty-manifest.json');
let shippedText: string;

beforeAll(async () => {
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const pkg = await fetchPackage('@clerk/clerk-js', '6.7.1');
  const dir = path.join(app, 'node_modules', '@clerk', 'clerk-js');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), pkg.read('package.json')!);
  for (const f of jsEntryPoints(pkg)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), pkg.read(f)!);
  }
  fs.writeFileSync(
    path.join(app, 'package.json'),
    `${JSON.stringify({ name: 'a', private: true, dependencies: { '@clerk/clerk-js': '6.7.1' } }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(app, 'package-lock.json'), '{}\n');
  fs.writeFileSync(emptyManifest, JSON.stringify({ schema: 1, patches: [] }));
  const entry = readManifest().patches.find((p) => p.package === '@clerk/clerk-js' && p.version === '6.7.1')!;
  shippedText = fs.readFileSync(path.join(PATCHES_DIR, entry.patch), 'utf8');
});
afterAll(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('sync / check on disk', () => {
  it('check before sync: vulnerable, exit-worthy finding, decided by the manifest hash', async () => {
    const r = await runCheck({ cwd: app });
    expect(r.ok).toBe(false);
    expect(r.results[0]).toMatchObject({
      package: '@clerk/clerk-js',
      installed: '6.7.1',
      status: 'vulnerable',
      via: 'manifest-sha256',
      finding: true,
    });
  });

  it('dry run writes nothing', async () => {
    const before = fs.readdirSync(app).sort();
    expect(await sync({ cwd: app, dryRun: true })).toBe(0);
    expect(fs.readdirSync(app).sort()).toEqual(before);
  });

  it('no shipped patch: exit 1 and nothing wired, unless --allow-unverified builds one from the installed files', async () => {
    expect(await sync({ cwd: app, manifestFile: emptyManifest })).toBe(1);
    expect(fs.existsSync(path.join(app, 'patches'))).toBe(false);
    expect(await sync({ cwd: app, manifestFile: emptyManifest, allowUnverified: true })).toBe(0);
    const written = fs.readFileSync(path.join(app, 'patches', '@clerk+clerk-js+6.7.1.patch'), 'utf8');
    // The codemods are deterministic: the same bytes as the shipped, verified patch.
    expect(written).toBe(shippedText);
    const record = JSON.parse(fs.readFileSync(path.join(app, '.clerk-expo-patches.json'), 'utf8'));
    expect(record.patches[0]).toMatchObject({ file: 'patches/@clerk+clerk-js+6.7.1.patch', unverified: true });
  });

  it('with the shipped patch available, sync replaces the unverified record entry with the verified one', async () => {
    expect(await sync({ cwd: app })).toBe(0);
    const record = JSON.parse(fs.readFileSync(path.join(app, '.clerk-expo-patches.json'), 'utf8'));
    expect(record.patches[0].unverified).toBeUndefined();
    const pj = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
    expect(pj.scripts.postinstall).toBe('clerk-expo-patches postinstall && patch-package --error-on-fail');
  });

  it('a wired patch that was not applied: check says to run the install', async () => {
    const r = await runCheck({ cwd: app });
    expect(r.results[0]).toMatchObject({ status: 'vulnerable', patch: 'patches/@clerk+clerk-js+6.7.1.patch' });
    expect(r.results[0]!.action).toMatch(/wired but not applied: run `npm install`/);
  });

  it('tool errors (exit 2 in the CLI) say what to do next', async () => {
    await expect(sync({ cwd: path.join(root, 'nowhere') })).rejects.toThrow(/no package.json[\s\S]*--cwd/);
    fs.mkdirSync(path.join(root, 'bare'));
    fs.writeFileSync(path.join(root, 'bare', 'package.json'), '{}');
    fs.writeFileSync(path.join(root, 'bare', 'package-lock.json'), '{}');
    await expect(runCheck({ cwd: path.join(root, 'bare') })).rejects.toThrow(
      /no installed @clerk\/clerk-js or @clerk\/expo[\s\S]*npm install/,
    );
  });

  it('two syncs at once: the second refuses (exit 2) naming the lock, and changes nothing', async () => {
    const snapshot = () =>
      fs
        .readdirSync(app)
        .sort()
        .map((f) => [f, fs.statSync(path.join(app, f)).mtimeMs]);
    fs.writeFileSync(path.join(app, LOCK_FILE), '4242\n');
    const before = snapshot();
    await expect(sync({ cwd: app })).rejects.toThrow(/another clerk-expo-patches sync is running .*pid 4242[\s\S]*delete/);
    expect(snapshot()).toEqual(before);
    fs.rmSync(path.join(app, LOCK_FILE));
    expect(await sync({ cwd: app })).toBe(0);
    expect(fs.existsSync(path.join(app, LOCK_FILE))).toBe(false);
  });

  it('a read-only app folder: a clear tool error naming the file, nothing half-written, no lock left behind', async () => {
    // Root ignores chmod, so the read-only file system is simulated at the fs boundary.
    fs.rmSync(path.join(app, 'patches'), { recursive: true, force: true });
    const pjBefore = fs.readFileSync(path.join(app, 'package.json'), 'utf8');
    const real = fs.writeFileSync;
    const spy = vi.spyOn(fs, 'writeFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (typeof file === 'string' && file.startsWith(app) && !file.endsWith(LOCK_FILE)) {
        throw Object.assign(new Error(`EROFS: read-only file system, open '${file}'`), { code: 'EROFS', path: file });
      }
      return (real as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof fs.writeFileSync);
    try {
      await expect(sync({ cwd: app })).rejects.toThrow(/cannot write .*\(EROFS\)[\s\S]*writable/);
    } finally {
      spy.mockRestore();
    }
    expect(fs.readFileSync(path.join(app, 'package.json'), 'utf8')).toBe(pjBefore);
    expect(fs.existsSync(path.join(app, LOCK_FILE))).toBe(false);
    expect(fs.readdirSync(app).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('sync on pnpm: the file the app’s pnpm reads', () => {
  const pnpmApp = path.join(root, 'pnpm-app');
  const yamlFile = path.join(pnpmApp, 'pnpm-workspace.yaml');
  const setup = (packageManager: string, yaml?: string) => {
    fs.rmSync(pnpmApp, { recursive: true, force: true });
    fs.cpSync(path.join(app, 'node_modules'), path.join(pnpmApp, 'node_modules'), { recursive: true });
    fs.writeFileSync(
      path.join(pnpmApp, 'package.json'),
      `${JSON.stringify({ name: 'a', private: true, packageManager, dependencies: { '@clerk/clerk-js': '6.7.1' } }, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(pnpmApp, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n");
    if (yaml !== undefined) fs.writeFileSync(yamlFile, yaml);
  };
  const files = () => Object.fromEntries(fs.readdirSync(pnpmApp).map((f) => [f, fs.statSync(path.join(pnpmApp, f)).mtimeMs]));

  it('pnpm 12: wires in pnpm-workspace.yaml, keeping the app’s comments and build settings, and says which pnpm it assumed', async () => {
    const yaml = '# build scripts this app allows\nallowBuilds:\n  core-js: false # not needed\nstrictDepBuilds: true\n';
    setup('pnpm@12.26.0', yaml);
    const out: string[] = [];
    vi.mocked(process.stdout.write).mockImplementation((s) => (out.push(String(s)), true));
    expect(await sync({ cwd: pnpmApp, json: true })).toBe(0);
    vi.mocked(process.stdout.write).mockImplementation(() => true);
    const report = JSON.parse(out.join('').slice(out.join('').indexOf('{')));
    expect(report.pnpm).toEqual({
      version: '12.26.0',
      from: 'package.json "packageManager"',
      wiring: 'pnpm-workspace.yaml',
      allowKey: 'allowUnusedPatches',
    });
    expect(fs.readFileSync(yamlFile, 'utf8')).toBe(
      `${yaml}patchedDependencies:\n  "@clerk/clerk-js@6.7.1": patches/@clerk__clerk-js@6.7.1.patch\nallowUnusedPatches: true\n`,
    );
    const pj = JSON.parse(fs.readFileSync(path.join(pnpmApp, 'package.json'), 'utf8'));
    expect(pj.pnpm).toBeUndefined();
    expect(pj.devDependencies).toEqual({ 'clerk-expo-patches': expect.stringMatching(/^\^\d+\.\d+\.\d+/) });
  });

  it('pnpm 10.6: package.json with allowNonAppliedPatches, no pnpm-workspace.yaml created', async () => {
    setup('pnpm@10.6.5');
    expect(await sync({ cwd: pnpmApp })).toBe(0);
    const pj = JSON.parse(fs.readFileSync(path.join(pnpmApp, 'package.json'), 'utf8'));
    expect(pj.pnpm).toEqual({
      patchedDependencies: { '@clerk/clerk-js@6.7.1': 'patches/@clerk__clerk-js@6.7.1.patch' },
      allowNonAppliedPatches: true,
    });
    expect(fs.existsSync(yamlFile)).toBe(false);
  });

  it('a pnpm-workspace.yaml that does not parse: a tool error naming it, nothing written', async () => {
    setup('pnpm@12.26.0', 'packages: [".", \nallowBuilds: {}\n');
    const before = files();
    await expect(sync({ cwd: pnpmApp })).rejects.toThrow(/pnpm-workspace.yaml does not parse as YAML[\s\S]*nothing was written/);
    expect(files()).toEqual(before);
  });
});

describe('sync on yarn 3', () => {
  it('refuses with the reason and the way out, writing nothing', async () => {
    const dir = path.join(root, 'yarn3-app');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(path.join(app, 'node_modules'), path.join(dir, 'node_modules'), { recursive: true });
    const pj = `${JSON.stringify({ name: 'a', private: true, packageManager: 'yarn@3.8.7', dependencies: { '@clerk/clerk-js': '6.7.1' } }, null, 2)}\n`;
    fs.writeFileSync(path.join(dir, 'package.json'), pj);
    fs.writeFileSync(path.join(dir, 'yarn.lock'), '__metadata:\n  version: 6\n');
    await expect(sync({ cwd: dir })).rejects.toThrow(/yarn 3 is not supported[\s\S]*yarn set version 4/);
    expect(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe(pj);
    expect(fs.readdirSync(dir).sort()).toEqual(['node_modules', 'package.json', 'yarn.lock']);
  });
});
