import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { resetConfig } from '../../scripts/infra/config.ts';
import { dependencySet } from '../harness/expo/dependency-set.ts';

/** The per-version dependency closure: a cold cache offline fails with a message that says what to do. */
const saved = { cache: process.env.CLERK_EXPO_PATCHES_CACHE, offline: process.env.CLERK_EXPO_PATCHES_OFFLINE };
afterEach(() => {
  for (const [k, v] of [
    ['CLERK_EXPO_PATCHES_CACHE', saved.cache],
    ['CLERK_EXPO_PATCHES_OFFLINE', saved.offline],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetConfig();
});

it('cold cache + offline: a clear error naming the version, the directory and the remedy; nothing installed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-deps-'));
  process.env.CLERK_EXPO_PATCHES_CACHE = dir;
  process.env.CLERK_EXPO_PATCHES_OFFLINE = '1';
  resetConfig();
  await expect(dependencySet('3.2.7')).rejects.toThrow(
    /no installed dependency set for @clerk\/expo 3\.2\.7 .*offline[\s\S]*warm the cache/,
  );
  expect(fs.readdirSync(dir)).toEqual([]);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('warm cache + offline: the installed set is used as is, with no registry access', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-deps-'));
  const set = path.join(dir, 'expo-deps', '9.9.9');
  fs.mkdirSync(set, { recursive: true });
  fs.writeFileSync(
    path.join(set, 'dependency-set.json'),
    JSON.stringify({ expoVersion: '9.9.9', dir: set, resolved: { '@clerk/clerk-js': '6.40.0' } }),
  );
  process.env.CLERK_EXPO_PATCHES_CACHE = dir;
  process.env.CLERK_EXPO_PATCHES_OFFLINE = '1';
  resetConfig();
  await expect(dependencySet('9.9.9')).resolves.toMatchObject({ dir: set, resolved: { '@clerk/clerk-js': '6.40.0' } });
  fs.rmSync(dir, { recursive: true, force: true });
});

it('warm sets installed before the shared store: linked to it on first use (offline), marker records it, contents unchanged', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-deps-'));
  const sets = ['9.9.6', '9.9.7'].map((v) => {
    const set = path.join(dir, 'expo-deps', v);
    for (const [rel, text] of Object.entries({ 'react/index.js': 'react\n', '@clerk/expo/index.js': `expo ${v}\n` })) {
      fs.mkdirSync(path.dirname(path.join(set, 'node_modules', rel)), { recursive: true });
      fs.writeFileSync(path.join(set, 'node_modules', rel), text);
    }
    fs.writeFileSync(path.join(set, 'dependency-set.json'), JSON.stringify({ expoVersion: v, dir: set, resolved: {} }));
    return set;
  });
  process.env.CLERK_EXPO_PATCHES_CACHE = dir;
  process.env.CLERK_EXPO_PATCHES_OFFLINE = '1';
  resetConfig();
  for (const v of ['9.9.6', '9.9.7']) await expect(dependencySet(v)).resolves.toMatchObject({ expoVersion: v, sharedFiles: true });
  const [a, b] = sets.map((s) => path.join(s, 'node_modules'));
  expect(fs.statSync(path.join(a!, 'react/index.js')).ino).toBe(fs.statSync(path.join(b!, 'react/index.js')).ino);
  expect(fs.readFileSync(path.join(b!, '@clerk/expo/index.js'), 'utf8')).toBe('expo 9.9.7\n');
  expect(JSON.parse(fs.readFileSync(path.join(sets[1]!, 'dependency-set.json'), 'utf8'))).toMatchObject({ sharedFiles: true });
  expect(fs.readdirSync(path.join(dir, 'expo-deps', '.store'))).toHaveLength(3);
  fs.rmSync(dir, { recursive: true, force: true });
});
