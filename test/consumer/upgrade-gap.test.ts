import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { metasFor } from '../../scripts/fixes/catalog.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { upgradeGapMessage, upgradeGaps } from '../../scripts/consumer/upgrade-gap.ts';
import { postinstall } from '../../scripts/commands/postinstall.ts';
import { emptyOwnership, OWNERSHIP_FILE, type OwnedPatch, type Ownership } from '../../scripts/consumer/ownership.ts';
import type { InstalledCopy } from '../../scripts/consumer/installed.ts';

/**
 * The postinstall guard: sync wired a patch for one version, an upgrade PR changed package.json
 * and the lockfile only. Real manifest and fix metadata; installed copies are package.json files.
 */
const manifest = readManifest();
const entry = (pkg: string, v: string) => manifest.patches.find((p) => p.package === pkg && p.version === v);
const owned = (pkg: string, v: string, file: string): OwnedPatch => ({
  package: pkg,
  version: v,
  file,
  sha256: 'x',
  fixes: entry(pkg, v)!.fixes,
});
const copy = (name: string, version: string, relPath = `node_modules/${name}`): InstalledCopy => ({
  name,
  version,
  dir: `/app/${relPath}`,
  relPath,
  chain: [name],
  inStore: false,
});
const record = (...patches: OwnedPatch[]): Ownership => ({ ...emptyOwnership('npm'), patches });
const EXPO_OLD = owned('@clerk/expo', '3.2.7', 'patches/@clerk+expo+3.2.7.patch');
const JS_OLD = owned('@clerk/clerk-js', '6.7.1', 'patches/@clerk+clerk-js+6.7.1.patch');

describe('upgradeGaps', () => {
  it('nothing to say while every wired patch matches an installed version', () => {
    expect(
      upgradeGaps(record(EXPO_OLD, JS_OLD), [copy('@clerk/expo', '3.2.7'), copy('@clerk/clerk-js', '6.7.1')], manifest, metasFor, 'npm'),
    ).toEqual([]);
  });

  it('3.2.7 → 3.2.8: still needs B, C, H, F, J, K (a patch ships), no longer D (fixed upstream in 3.2.8)', () => {
    expect(entry('@clerk/expo', '3.2.8')).toBeDefined();
    const [gap, ...rest] = upgradeGaps(
      record(EXPO_OLD, JS_OLD),
      [copy('@clerk/expo', '3.2.8'), copy('@clerk/clerk-js', '6.7.1')],
      manifest,
      metasFor,
      'npm',
    );
    expect(rest).toEqual([]);
    expect(gap!.package).toBe('@clerk/expo');
    expect(gap!.installed).toHaveLength(1);
    expect(gap!.installed[0]!.still.map((f) => f.letter).sort()).toEqual(['B', 'C', 'F', 'H', 'J', 'K']);
    expect(gap!.installed[0]!.patch).toBe(entry('@clerk/expo', '3.2.8')!.patch);
    expect(gap!.noLonger.map((f) => f.letter)).toEqual(['D']);
    const text = upgradeGapMessage([gap!], 'npm', '0.1.0');
    expect(text).toContain('@clerk/expo 3.2.7 → 3.2.8; wired: patches/@clerk+expo+3.2.7.patch');
    expect(text).toMatch(/@clerk\/expo@3\.2\.8 still needs .*B ios-configure-waits-for-session.*; a verified patch ships for it/);
    expect(text).toContain('No longer needed (fixed upstream): D native-signout-after-load (fixed in 3.2.8).');
    expect(text).toContain('Next (one command; commit what it changes): npx clerk-expo-patches sync && npm install');
    expect(text).not.toMatch(/Just delete it|no longer necessary/);
  });

  it('6.7.1 → 6.7.4: fixed upstream completely, nothing to patch, the stale patch named', () => {
    expect(entry('@clerk/clerk-js', '6.7.4')).toBeUndefined();
    const gaps = upgradeGaps(
      record(EXPO_OLD, JS_OLD),
      [copy('@clerk/expo', '3.2.7'), copy('@clerk/clerk-js', '6.7.4')],
      manifest,
      metasFor,
      'pnpm',
    );
    expect(gaps.map((g) => [g.package, g.installed.map((i) => i.still.length), g.noLonger.map((f) => f.letter)])).toEqual([
      ['@clerk/clerk-js', [0], ['A']],
    ]);
    const text = upgradeGapMessage(gaps, 'pnpm', '0.1.0');
    expect(text).toContain('@clerk/clerk-js@6.7.4 needs no fix any more: nothing to patch.');
    expect(text).toContain('Next (one command; commit what it changes): npx clerk-expo-patches sync && pnpm install');
  });

  it('a version this release ships no patch for: what its affected ranges still cover, and how to get a patch', () => {
    const gaps = upgradeGaps(record(EXPO_OLD), [copy('@clerk/expo', '4.99.0')], manifest, metasFor, 'bun');
    expect(gaps[0]!.installed[0]!.still.map((f) => f.letter)).toEqual(['I', 'F', 'J', 'K', 'L']);
    expect(gaps[0]!.installed[0]!.patch).toBeUndefined();
    const text = upgradeGapMessage(gaps, 'bun', '0.1.0');
    expect(text).toContain('clerk-expo-patches 0.1.0 ships no patch for it');
    expect(text).toContain('update clerk-expo-patches');
    expect(text).toContain('sync --allow-unverified && bun install');
  });

  it('npm: a copy only in a content store is not a patch-package target', () => {
    const store = { ...copy('@clerk/expo', '3.2.7', 'node_modules/.pnpm/x/node_modules/@clerk/expo'), inStore: true };
    expect(upgradeGaps(record(EXPO_OLD), [store, copy('@clerk/expo', '3.2.8')], manifest, metasFor, 'npm')).toHaveLength(1);
    expect(upgradeGaps(record(EXPO_OLD), [store, copy('@clerk/expo', '3.2.8')], manifest, metasFor, 'pnpm')).toHaveLength(0);
  });
});

describe('postinstall command and config plugin on disk', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  function app(installed: Record<string, string>, rec: Ownership | undefined): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-guard-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'a', private: true, dependencies: installed }));
    fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
    for (const [name, version] of Object.entries(installed)) {
      fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
      fs.writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
    }
    if (rec) fs.writeFileSync(path.join(dir, OWNERSHIP_FILE), JSON.stringify(rec));
    return dir;
  }

  it('silent, exit 0, with no record or a record that matches; exit 1 with our words after an upgrade', () => {
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    expect(postinstall({ cwd: app({ '@clerk/expo': '3.2.8' }, undefined) })).toBe(0);
    expect(postinstall({ cwd: app({ '@clerk/expo': '3.2.7' }, record(EXPO_OLD)) })).toBe(0);
    expect(err).toBe('');
    expect(postinstall({ cwd: app({ '@clerk/expo': '3.2.8' }, record(EXPO_OLD)) })).toBe(1);
    expect(err).toContain('@clerk/expo 3.2.7 → 3.2.8');
    // No lockfile yet (a first install writes it after the scripts): the record names the package manager.
    const fresh = app({ '@clerk/expo': '3.2.8' }, { ...record(EXPO_OLD), packageManager: 'pnpm' });
    fs.rmSync(path.join(fresh, 'package-lock.json'));
    expect(postinstall({ cwd: fresh })).toBe(1);
    expect(err).toContain('npx clerk-expo-patches sync && pnpm install');
  });

  it('the config plugin stops a prebuild on an upgrade whose install skipped the guard (--ignore-scripts)', () => {
    const plugin = createRequire(import.meta.url)('../../app.plugin.cjs') as (c: unknown) => unknown;
    const ok = app({ '@clerk/clerk-js': '6.7.4' }, record({ ...JS_OLD, version: '6.7.4' }));
    expect(plugin({ _internal: { projectRoot: ok } })).toBeDefined();
    const upgraded = app({ '@clerk/clerk-js': '6.7.4' }, record(JS_OLD));
    expect(() => plugin({ _internal: { projectRoot: upgraded } })).toThrow(
      /wired for 6\.7\.1 \(patches\/@clerk\+clerk-js\+6\.7\.1\.patch\), installed 6\.7\.4/,
    );
  });
});
