import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  bunFileName,
  parsePatchPackageFileName,
  patchPackageFileName,
  patchedPaths,
  pnpmFileName,
  toNested,
  toPackageRelative,
  yarnFileName,
  yarnResolution,
} from '../../scripts/patch-file/names.ts';
import { parseYarnPatchDescriptor, splitNameVersion } from '../../scripts/consumer/wiring.ts';
import { yarnLockDescriptors } from '../../scripts/consumer/yarn-config.ts';

const require = createRequire(import.meta.url);
const { parsePatchFile } = require('patch-package/dist/patch/parse') as {
  parsePatchFile(t: string): Array<{ type: string; path: string }>;
};

// A hunk whose body carries header-looking lines: they must not be rewritten.
const PATCH = [
  'diff --git a/node_modules/@clerk/clerk-js/dist/clerk.js b/node_modules/@clerk/clerk-js/dist/clerk.js',
  'index 1111111..2222222 100644',
  '--- a/node_modules/@clerk/clerk-js/dist/clerk.js',
  '+++ b/node_modules/@clerk/clerk-js/dist/clerk.js',
  '@@ -2,2 +2,2 @@',
  '--- a/node_modules/@clerk/clerk-js/dist/clerk.js',
  '-old',
  '+++ b/node_modules/@clerk/clerk-js/dist/clerk.js',
  '+new',
  'diff --git a/node_modules/@clerk/clerk-js/dist/clerk.mjs b/node_modules/@clerk/clerk-js/dist/clerk.mjs',
  'index 3333333..4444444 100644',
  '--- a/node_modules/@clerk/clerk-js/dist/clerk.mjs',
  '+++ b/node_modules/@clerk/clerk-js/dist/clerk.mjs',
  '@@ -1 +1 @@',
  '-a',
  '\\ No newline at end of file',
  '+b',
  '\\ No newline at end of file',
  '',
].join('\n');

describe('patch path conversion', () => {
  it('pnpm / yarn berry / bun: strips node_modules/<name>/ from headers only, keeps a/ b/', () => {
    const out = toPackageRelative(PATCH, '@clerk/clerk-js');
    expect(out).toContain('diff --git a/dist/clerk.js b/dist/clerk.js\n');
    expect(out).toContain('\n--- a/dist/clerk.mjs\n+++ b/dist/clerk.mjs\n');
    // Hunk bodies untouched.
    expect(out).toContain(
      '\n--- a/node_modules/@clerk/clerk-js/dist/clerk.js\n-old\n+++ b/node_modules/@clerk/clerk-js/dist/clerk.js\n+new\n',
    );
    expect(patchedPaths(out)).toEqual(['dist/clerk.js', 'dist/clerk.mjs']);
    expect(parsePatchFile(out).map((e) => e.path)).toEqual(['dist/clerk.js', 'dist/clerk.mjs']);
    expect(out.length).toBe(PATCH.length - 8 * 'node_modules/@clerk/clerk-js/'.length);
  });

  it('patch-package on a nested copy: node_modules/<outer>/node_modules/<name>/', () => {
    const out = toNested(PATCH, '@clerk/clerk-js', ['@clerk/expo', '@clerk/clerk-js']);
    expect(parsePatchFile(out).map((e) => e.path)).toEqual([
      'node_modules/@clerk/expo/node_modules/@clerk/clerk-js/dist/clerk.js',
      'node_modules/@clerk/expo/node_modules/@clerk/clerk-js/dist/clerk.mjs',
    ]);
    expect(toNested(PATCH, '@clerk/clerk-js', ['@clerk/clerk-js'])).toBe(PATCH);
  });

  it('refuses a patch for another package', () => {
    expect(() => toPackageRelative(PATCH, '@clerk/expo')).toThrow(/does not start with/);
  });

  it('names files the way each tool does', () => {
    expect(patchPackageFileName(['@clerk/clerk-js'], '6.7.1')).toBe('@clerk+clerk-js+6.7.1.patch');
    expect(patchPackageFileName(['@clerk/expo', '@clerk/clerk-js'], '6.9.0')).toBe('@clerk+expo++@clerk+clerk-js+6.9.0.patch');
    expect(pnpmFileName('@clerk/clerk-js', '6.7.1')).toBe('@clerk__clerk-js@6.7.1.patch');
    expect(bunFileName('@clerk/clerk-js', '6.7.1')).toBe('@clerk%2Fclerk-js@6.7.1.patch');
    expect(yarnFileName('@clerk/clerk-js', '6.7.1')).toBe('@clerk-clerk-js-npm-6.7.1.patch');
    expect(yarnResolution('@clerk/clerk-js', '6.7.1', '.yarn/patches/x.patch')).toEqual({
      key: '@clerk/clerk-js@npm:6.7.1',
      value: 'patch:@clerk/clerk-js@npm%3A6.7.1#~/.yarn/patches/x.patch',
    });
  });

  it('reads patch-package file names back (nested, sequence, dev)', () => {
    expect(parsePatchPackageFileName('@clerk+clerk-js+6.7.1.patch')).toEqual({ chain: ['@clerk/clerk-js'], version: '6.7.1' });
    expect(parsePatchPackageFileName('@clerk+expo++@clerk+clerk-js+6.9.0.patch')).toEqual({
      chain: ['@clerk/expo', '@clerk/clerk-js'],
      version: '6.9.0',
    });
    expect(parsePatchPackageFileName('left-pad+1.3.0+001+initial.patch')).toEqual({ chain: ['left-pad'], version: '1.3.0' });
    expect(parsePatchPackageFileName('left-pad+1.3.0.dev.patch')).toEqual({ chain: ['left-pad'], version: '1.3.0' });
    expect(parsePatchPackageFileName('notes.patch')).toBeNull();
  });

  it('reads config keys and yarn patch: descriptors', () => {
    expect(splitNameVersion('@clerk/clerk-js@6.7.1')).toEqual({ name: '@clerk/clerk-js', version: '6.7.1' });
    expect(splitNameVersion('@clerk/clerk-js')).toEqual({ name: '@clerk/clerk-js', version: undefined });
    expect(parseYarnPatchDescriptor('patch:@clerk/clerk-js@npm%3A6.7.1#~/.yarn/patches/a.patch')).toEqual({
      name: '@clerk/clerk-js',
      version: '6.7.1',
      file: '.yarn/patches/a.patch',
    });
    expect(parseYarnPatchDescriptor('patch:lodash@npm%3A4.17.21#./p.patch::version=4.17.21&hash=abc')).toEqual({
      name: 'lodash',
      version: '4.17.21',
      file: 'p.patch',
    });
    expect(parseYarnPatchDescriptor('npm:1.0.0')).toBeUndefined();
  });

  it('yarn.lock: the ranges that resolved to a version, minus the inner descriptor of a patch: entry', () => {
    const lock = [
      '__metadata:\n  version: 8\n',
      '"@clerk/clerk-js@npm:6.7.1, @clerk/clerk-js@npm:>=6.7.1 <6.7.2":\n  version: 6.7.1\n  resolution: "@clerk/clerk-js@npm:6.7.1"\n',
      '"@clerk/clerk-js@npm:^6.8.0":\n  version: 6.40.0\n  resolution: "@clerk/clerk-js@npm:6.40.0"\n',
      '"@clerk/clerk-js@patch:@clerk/clerk-js@npm%3A6.7.1#~/.yarn/patches/a.patch":\n  version: 6.7.1\n  resolution: "@clerk/clerk-js@patch:@clerk/clerk-js@npm%3A6.7.1#~/.yarn/patches/a.patch::version=6.7.1&hash=7d0104"\n',
    ].join('\n');
    expect(yarnLockDescriptors(lock, '@clerk/clerk-js', '6.7.1')).toEqual(['@clerk/clerk-js@npm:>=6.7.1 <6.7.2']);
    expect(yarnLockDescriptors(lock, '@clerk/clerk-js', '6.40.0')).toEqual(['@clerk/clerk-js@npm:^6.8.0']);
    expect(yarnLockDescriptors(lock.replace(/"@clerk\/clerk-js@patch[\s\S]*$/, ''), '@clerk/clerk-js', '6.7.1')).toEqual([
      '@clerk/clerk-js@npm:6.7.1',
      '@clerk/clerk-js@npm:>=6.7.1 <6.7.2',
    ]);
  });
});
