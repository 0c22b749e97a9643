import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixesFor } from '../../scripts/fixes/index.ts';
import { buildPatch, type PackagePatch } from '../../scripts/codemod/run-fixes.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { ROOT } from '../../scripts/infra/paths.ts';

/**
 * The Expo config plugin (app.plugin.cjs) on installs laid out on disk from the real published
 * files: it throws a ConfigError naming the fixes and the next command when a shipped patch is
 * not applied, and returns the config untouched (and prints nothing) when it is.
 */
type PluginFn = ((config: Record<string, unknown>) => Record<string, unknown>) & {
  findUnappliedPatches(projectRoot: string): Array<{ name: string; version: string; relPath: string; state: string }>;
};
const plugin = createRequire(import.meta.url)(path.join(ROOT, 'app.plugin.cjs')) as PluginFn;

const EXPO = '3.2.7';
const CLERK_JS = '6.7.1';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-plugin-'));
const app = path.join(root, 'app');
let expo: PackagePatch;
let clerkJs: PackagePatch;

function lay(dir: string, p: PackagePatch, which: 'before' | 'after') {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: p.name, version: p.version }));
  for (const f of p.files) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f[which]);
  }
}

const expoDir = () => path.join(app, 'node_modules', '@clerk', 'expo');
const jsDir = () => path.join(app, 'node_modules', '@clerk', 'clerk-js');
const config = () => ({ name: 'App', slug: 'app', _internal: { projectRoot: app } });

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the plugin to throw');
}

beforeAll(async () => {
  const manifest = readManifest();
  for (const [name, v] of [
    ['@clerk/expo', EXPO],
    ['@clerk/clerk-js', CLERK_JS],
  ] as const) {
    if (!manifest.patches.some((p) => p.package === name && p.version === v))
      throw new Error(`this test needs a shipped patch for ${name}@${v}`);
  }
  expo = buildPatch(await fetchPackage('@clerk/expo', EXPO), fixesFor('@clerk/expo'))!;
  clerkJs = buildPatch(await fetchPackage('@clerk/clerk-js', CLERK_JS), fixesFor('@clerk/clerk-js'))!;
});
beforeEach(() => {
  fs.rmSync(app, { recursive: true, force: true });
  fs.mkdirSync(app, { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true}\n');
  fs.writeFileSync(path.join(app, 'package-lock.json'), '{}\n');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('Expo config plugin (app.plugin.cjs)', () => {
  it('is what Expo resolves for "clerk-expo-patches": the exports map sends ./app.plugin.js to the CommonJS file', () => {
    const pj = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string>; files: string[] };
    expect(pj.exports['./app.plugin.js']).toBe('./app.plugin.cjs');
    expect(pj.files).toContain('app.plugin.cjs');
    expect(typeof plugin).toBe('function');
  });

  it('stops prebuild when the installed @clerk/expo is the published (unpatched) code, naming the fixes and `sync`', () => {
    lay(expoDir(), expo, 'before');
    const err = thrown(() => plugin(config()));
    expect(err.name).toBe('ConfigError');
    expect(err.code).toBe('CLERK_EXPO_PATCHES_NOT_APPLIED');
    expect(err.message).toContain(`@clerk/expo@${EXPO} (node_modules/@clerk/expo): not patched`);
    for (const f of expo.fixes) expect(err.message).toContain(f.id);
    expect(err.message).toContain('npx clerk-expo-patches sync');
    expect(err.message).toContain('npm install');
  });

  it('is silent and returns the config unchanged when the shipped patch is applied', () => {
    lay(expoDir(), expo, 'after');
    lay(jsDir(), clerkJs, 'after');
    const c = config();
    expect(plugin(c)).toBe(c);
    expect(plugin.findUnappliedPatches(app)).toEqual([]);
  });

  it('a wired patch whose postinstall did not run (npm --ignore-scripts): says to run patch-package', () => {
    lay(expoDir(), expo, 'before');
    const file = `patches/@clerk+expo+${EXPO}.patch`;
    fs.mkdirSync(path.join(app, 'patches'));
    fs.writeFileSync(path.join(app, file), 'wired\n');
    fs.writeFileSync(
      path.join(app, '.clerk-expo-patches.json'),
      JSON.stringify({
        schema: 1,
        tool: 'clerk-expo-patches',
        packageManager: 'npm',
        patches: [{ package: '@clerk/expo', version: EXPO, file }],
        added: {},
      }),
    );
    const err = thrown(() => plugin(config()));
    expect(err.message).toMatch(/wired but its postinstall \(patch-package\) did not run/);
    expect(err.message).toContain('npx patch-package');
    expect(err.message).not.toContain('clerk-expo-patches sync');
  });

  it('checks the @clerk/clerk-js that @clerk/expo loads (a nested copy), and names its path', () => {
    lay(expoDir(), expo, 'after');
    lay(jsDir(), clerkJs, 'after');
    lay(path.join(expoDir(), 'node_modules', '@clerk', 'clerk-js'), clerkJs, 'before');
    const err = thrown(() => plugin(config()));
    expect(err.message).toContain(`@clerk/clerk-js@${CLERK_JS} (node_modules/@clerk/expo/node_modules/@clerk/clerk-js): not patched`);
    expect(err.message).toContain('headless-background-refresh');
    expect(err.message).not.toContain('(node_modules/@clerk/clerk-js)');
  });

  it('a copy that is neither published nor patched (half-applied, or an older patch) names the files and `check`', () => {
    lay(expoDir(), expo, 'after');
    const f = expo.files[0]!;
    fs.writeFileSync(path.join(expoDir(), f.path), `${f.after}\n// edited\n`);
    const err = thrown(() => plugin(config()));
    expect(err.message).toContain(`neither the published files nor the shipped patch's output (${f.path})`);
    expect(err.message).toContain('npx clerk-expo-patches check');
  });

  it('in the published layout (manifest in dist/patches/, no patches/) reads that manifest', () => {
    const pkg = path.join(root, 'published');
    fs.mkdirSync(path.join(pkg, 'dist', 'patches'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'app.plugin.cjs'), path.join(pkg, 'app.plugin.cjs'));
    fs.copyFileSync(path.join(ROOT, 'patches', 'manifest.json'), path.join(pkg, 'dist', 'patches', 'manifest.json'));
    const published = createRequire(import.meta.url)(path.join(pkg, 'app.plugin.cjs')) as PluginFn;
    lay(expoDir(), expo, 'before');
    expect(published.findUnappliedPatches(app).map((p) => `${p.name}@${p.version} ${p.state}`)).toEqual([`@clerk/expo@${EXPO} unpatched`]);
  });

  it('a version without a shipped patch, or nothing installed: silent (sync and check report those)', () => {
    expect(plugin.findUnappliedPatches(app)).toEqual([]);
    lay(expoDir(), { ...expo, version: '3.4.4' }, 'before');
    expect(plugin.findUnappliedPatches(app)).toEqual([]);
  });
});
