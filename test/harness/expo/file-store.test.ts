import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { shareFiles } from './file-store.ts';

/** The content-addressed hard-link store behind the dependency sets, on small synthetic trees. */
let work: string;
let store: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-store-'));
  store = path.join(work, '.store');
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** Writes `files` (relative path → content) under `root`; returns root. */
function tree(root: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}
/** Every regular file under root: relative path → content. */
function contents(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out[path.relative(root, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}
const ino = (p: string) => fs.statSync(p).ino;

const REACT = { 'react/index.js': 'module.exports = 19;\n', 'react/package.json': '{"name":"react"}\n', 'react/LICENSE': 'MIT\n' };

it('identical files of two trees become one inode with the store entry; contents unchanged', () => {
  const a = tree(path.join(work, 'a'), { ...REACT, '@clerk/expo/index.js': 'expo 3.2.7\n' });
  const b = tree(path.join(work, 'b'), { ...REACT, '@clerk/expo/index.js': 'expo 3.2.8\n' });
  const before = [contents(a), contents(b)];

  const first = shareFiles(a, store);
  expect(first).toMatchObject({ files: 4, stored: 4, shared: 0, kept: 0, savedBytes: 0 });
  const second = shareFiles(b, store);
  expect(second).toMatchObject({ files: 4, stored: 1, shared: 3, kept: 0 });
  expect(second.savedBytes).toBe(Object.values(REACT).reduce((n, t) => n + Buffer.byteLength(t), 0));

  expect([contents(a), contents(b)]).toEqual(before);
  for (const rel of Object.keys(REACT)) {
    expect(ino(path.join(a, rel))).toBe(ino(path.join(b, rel)));
    expect(fs.statSync(path.join(a, rel)).nlink).toBe(3); // a, b and the store entry
  }
  expect(ino(path.join(a, '@clerk/expo/index.js'))).not.toBe(ino(path.join(b, '@clerk/expo/index.js')));
  // One entry per distinct content: 3 shared + 2 versions of @clerk/expo.
  expect(fs.readdirSync(store)).toHaveLength(5);
  for (const name of fs.readdirSync(store)) expect(name).toMatch(/^[0-9a-f]{64}-[0-7]+$/);
  // No temp file left behind.
  expect(Object.keys(contents(b)).every((rel) => !rel.includes('.share'))).toBe(true);
});

it('identical files inside one tree are shared too', () => {
  const a = tree(path.join(work, 'a'), { 'x/LICENSE': 'MIT\n', 'y/LICENSE': 'MIT\n', 'z/LICENSE': 'ISC\n' });
  expect(shareFiles(a, store)).toMatchObject({ files: 3, stored: 2, shared: 1 });
  expect(ino(path.join(a, 'x/LICENSE'))).toBe(ino(path.join(a, 'y/LICENSE')));
});

it('the permission bits are part of the key: an executable and a plain file with the same bytes stay apart, modes kept', () => {
  const a = tree(path.join(work, 'a'), { 'bin/cli.js': '#!/usr/bin/env node\n', 'lib/cli.js': '#!/usr/bin/env node\n' });
  fs.chmodSync(path.join(a, 'bin/cli.js'), 0o755);
  fs.chmodSync(path.join(a, 'lib/cli.js'), 0o644);
  expect(shareFiles(a, store)).toMatchObject({ stored: 2, shared: 0 });
  expect(fs.statSync(path.join(a, 'bin/cli.js')).mode & 0o777).toBe(0o755);
  expect(fs.statSync(path.join(a, 'lib/cli.js')).mode & 0o777).toBe(0o644);
  expect(ino(path.join(a, 'bin/cli.js'))).not.toBe(ino(path.join(a, 'lib/cli.js')));
});

it('symlinks (npm .bin entries) stay symlinks', () => {
  const a = tree(path.join(work, 'a'), { 'pkg/cli.js': 'run\n' });
  fs.mkdirSync(path.join(a, '.bin'));
  fs.symlinkSync('../pkg/cli.js', path.join(a, '.bin', 'cli'));
  expect(shareFiles(a, store)).toMatchObject({ files: 1, stored: 1 });
  expect(fs.lstatSync(path.join(a, '.bin', 'cli')).isSymbolicLink()).toBe(true);
  expect(fs.readlinkSync(path.join(a, '.bin', 'cli'))).toBe('../pkg/cli.js');
});

it('a rerun changes nothing; a missing tree is no error', () => {
  const a = tree(path.join(work, 'a'), REACT);
  shareFiles(a, store);
  const inodes = Object.keys(REACT).map((rel) => ino(path.join(a, rel)));
  expect(shareFiles(a, store)).toMatchObject({ files: 3, stored: 0, shared: 0, kept: 0 });
  expect(Object.keys(REACT).map((rel) => ino(path.join(a, rel)))).toEqual(inodes);
  expect(shareFiles(path.join(work, 'absent'), store)).toMatchObject({ files: 0 });
});

it('an entry removed from the store is made again from the next file; a damaged entry (wrong size) is not linked', () => {
  const a = tree(path.join(work, 'a'), REACT);
  shareFiles(a, store);
  const entries = fs.readdirSync(store).sort();
  fs.rmSync(path.join(store, entries[0]!));
  fs.writeFileSync(path.join(store, `${entries[1]!}.tmp`), 'x');
  fs.rmSync(path.join(store, entries[1]!));
  fs.renameSync(path.join(store, `${entries[1]!}.tmp`), path.join(store, entries[1]!)); // same name, other bytes
  const b = tree(path.join(work, 'b'), REACT);
  const stats = shareFiles(b, store);
  expect(stats).toMatchObject({ files: 3, stored: 1, shared: 1, kept: 1 });
  expect(contents(b)).toEqual(Object.fromEntries(Object.entries(REACT)));
});

it('concurrent processes sharing identical trees into one store: one inode per content, every tree intact', async () => {
  const trees = Array.from({ length: 4 }, (_, i) =>
    tree(
      path.join(work, `t${i}`),
      Object.fromEntries(Array.from({ length: 60 }, (_, f) => [`pkg${f % 6}/file${f}.js`, `content ${f % 20}\n`])),
    ),
  );
  const expected = contents(trees[0]!);
  const script = `import { shareFiles } from ${JSON.stringify(path.resolve(import.meta.dirname, 'file-store.ts'))};
    process.stdout.write(JSON.stringify(shareFiles(process.argv[1], process.argv[2])));`;
  const runs = await Promise.all(
    trees.map(
      (t) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, t, store], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
          child.on('close', (code) => resolve({ code, out }));
        }),
    ),
  );
  expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
  const stats = runs.map((r) => JSON.parse(r.out) as { stored: number; shared: number; kept: number });
  expect(stats.reduce((n, s) => n + s.stored, 0)).toBe(20); // each distinct content stored by exactly one process
  expect(stats.every((s) => s.kept === 0)).toBe(true);
  expect(fs.readdirSync(store)).toHaveLength(20);
  for (const t of trees) expect(contents(t)).toEqual(expected);
  for (const rel of Object.keys(expected)) expect(new Set(trees.map((t) => ino(path.join(t, rel)))).size).toBe(1);
});
