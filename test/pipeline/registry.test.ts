import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchPackage, forgetSnapshots, listVersions } from '../../scripts/produce/npm-registry.ts';
import { resetConfig } from '../../scripts/infra/config.ts';
import { ToolError } from '../../scripts/core/errors.ts';

// A small real package keeps these fast: @clerk/expo 3.2.7 is ~140 KB.
const NAME = '@clerk/expo';
const VERSION = '3.2.7';

describe('registry access (pacote, integrity-checked, disk cache)', () => {
  const saved = { ...process.env };
  let cache: string;
  beforeEach(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-cache-'));
    process.env.CLERK_EXPO_PATCHES_CACHE = cache;
    delete process.env.CLERK_EXPO_PATCHES_OFFLINE;
    delete process.env.CLERK_EXPO_PATCHES_REGISTRY;
    forgetSnapshots();
    resetConfig();
  });
  afterEach(() => {
    process.env = { ...saved };
    forgetSnapshots();
    resetConfig();
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('fetches a tarball, checks it against dist.integrity and reads its files', async () => {
    const pkg = await fetchPackage(NAME, VERSION);
    expect(pkg.integrity).toMatch(/^sha512-/);
    expect(pkg.packageJson.version).toBe(VERSION);
    expect(pkg.files).toContain('dist/provider/ClerkProvider.js');
    expect(pkg.read('dist/provider/ClerkProvider.js')).toContain('NativeSessionSync');
  });

  it('works offline once the cache is warm', async () => {
    const online = await fetchPackage(NAME, VERSION);
    await listVersions(NAME);
    forgetSnapshots();
    process.env.CLERK_EXPO_PATCHES_OFFLINE = '1';
    resetConfig();
    const offline = await fetchPackage(NAME, VERSION);
    expect(offline.read('package.json')).toBe(online.read('package.json'));
    expect((await listVersions(NAME)).map((v) => v.version)).toContain(VERSION);
  });

  it('offline with a cold cache fails with a message that says what to do', async () => {
    process.env.CLERK_EXPO_PATCHES_OFFLINE = '1';
    resetConfig();
    const err = await fetchPackage(NAME, VERSION).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/unreachable and the disk cache .* has no copy/);
    expect((err as Error).message).toMatch(/warm the cache/);
  });

  it('an unreachable registry with a cold cache fails clearly (no hang, no stack trace)', async () => {
    process.env.CLERK_EXPO_PATCHES_REGISTRY = 'http://127.0.0.1:9/';
    resetConfig();
    const err = await listVersions(NAME).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/cannot fetch the version list of @clerk\/expo/);
  });

  it('refuses a tarball whose integrity does not match', async () => {
    const wrong = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    const err = await fetchPackage(NAME, VERSION, wrong).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/integrity check failed for @clerk\/expo@3\.2\.7/);
  });

  it('rejects a malformed version before touching the network', async () => {
    await expect(fetchPackage(NAME, 'latest-ish')).rejects.toThrow(/not a valid version/);
  });

  it('lists only published non-prerelease versions, ascending, each with its integrity', async () => {
    const vs = await listVersions(NAME);
    expect(vs.length).toBeGreaterThan(10);
    expect(vs.every((v) => !v.version.includes('-') && v.integrity.startsWith('sha'))).toBe(true);
    const i = vs.findIndex((v) => v.version === '3.2.7');
    expect(vs[i + 1]?.version).toBe('3.2.8');
  });
});
