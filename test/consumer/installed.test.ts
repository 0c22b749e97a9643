import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findInstalled, TARGET_PACKAGES } from '../../scripts/consumer/installed.ts';
import { findIosCopies } from '../../scripts/consumer/ios-copies.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-installed-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function pkg(dir: string, name: string, version: string) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version }));
}

const summary = (dir: string) =>
  findInstalled(dir, TARGET_PACKAGES).map((c) => `${c.name}@${c.version} ${c.relPath}${c.inStore ? ' (store)' : ''}`);

describe('installed copies', () => {
  it('npm layout: hoisted and nested copies', () => {
    const app = path.join(root, 'npm');
    pkg(path.join(app, 'node_modules/@clerk/clerk-js'), '@clerk/clerk-js', '6.7.1');
    pkg(path.join(app, 'node_modules/@clerk/expo'), '@clerk/expo', '3.2.7');
    pkg(path.join(app, 'node_modules/@clerk/expo/node_modules/@clerk/clerk-js'), '@clerk/clerk-js', '6.40.0');
    pkg(path.join(app, 'node_modules/other/node_modules/@clerk/clerk-js'), '@clerk/clerk-js', '6.7.0');
    pkg(path.join(app, 'node_modules/left-pad'), 'left-pad', '1.3.0');
    fs.mkdirSync(path.join(app, 'node_modules/.bin'), { recursive: true });
    expect(summary(app)).toEqual([
      '@clerk/clerk-js@6.7.1 node_modules/@clerk/clerk-js',
      '@clerk/clerk-js@6.40.0 node_modules/@clerk/expo/node_modules/@clerk/clerk-js',
      '@clerk/clerk-js@6.7.0 node_modules/other/node_modules/@clerk/clerk-js',
      '@clerk/expo@3.2.7 node_modules/@clerk/expo',
    ]);
    const nested = findInstalled(app, TARGET_PACKAGES).find((c) => c.version === '6.40.0');
    expect(nested?.chain).toEqual(['@clerk/expo', '@clerk/clerk-js']);
  });

  it('pnpm layout: follows the symlinks into .pnpm, skips unreachable store leftovers', () => {
    const app = path.join(root, 'pnpm');
    const store = path.join(app, 'node_modules/.pnpm');
    const entry = (id: string, name: string, version: string) => {
      const dir = path.join(store, id, 'node_modules', name);
      pkg(dir, name, version);
      return dir;
    };
    const clerk = entry('@clerk+clerk-js@6.7.1_patch_hash=abc', '@clerk/clerk-js', '6.7.1');
    entry('@clerk+clerk-js@6.7.1', '@clerk/clerk-js', '6.7.1'); // old unpatched entry, unreachable
    const clerk640 = entry('@clerk+clerk-js@6.40.0', '@clerk/clerk-js', '6.40.0');
    const expo = entry('@clerk+expo@3.2.7', '@clerk/expo', '3.2.7');
    // expo's dependency: a sibling symlink inside its store entry.
    fs.symlinkSync(clerk640, path.join(store, '@clerk+expo@3.2.7/node_modules/@clerk/clerk-js'));
    fs.mkdirSync(path.join(app, 'node_modules/@clerk'), { recursive: true });
    fs.symlinkSync(clerk, path.join(app, 'node_modules/@clerk/clerk-js'));
    fs.symlinkSync(expo, path.join(app, 'node_modules/@clerk/expo'));
    expect(summary(app)).toEqual([
      '@clerk/clerk-js@6.40.0 node_modules/.pnpm/@clerk+expo@3.2.7/node_modules/@clerk/clerk-js (store)',
      '@clerk/clerk-js@6.7.1 node_modules/@clerk/clerk-js',
      '@clerk/expo@3.2.7 node_modules/@clerk/expo',
    ]);
  });

  it('nothing installed: an empty list', () => {
    expect(findInstalled(path.join(root, 'nowhere'), TARGET_PACKAGES)).toEqual([]);
  });
});

describe('ios/ copies of the Swift bridge', () => {
  it('finds every ios/<App>/ copy of a bridge file, skipping Pods (check classifies each on its own)', () => {
    const app = path.join(root, 'ios-app');
    const expo = path.join(app, 'node_modules/@clerk/expo');
    fs.mkdirSync(path.join(expo, 'ios'), { recursive: true });
    fs.writeFileSync(path.join(expo, 'ios/ClerkViewFactory.swift'), 'patched\n');
    fs.mkdirSync(path.join(app, 'ios/MyApp'), { recursive: true });
    fs.mkdirSync(path.join(app, 'ios/Pods/X'), { recursive: true });
    fs.writeFileSync(path.join(app, 'ios/Pods/X/ClerkViewFactory.swift'), 'ignored\n');
    fs.writeFileSync(path.join(app, 'ios/MyApp/ClerkViewFactory.swift'), 'stale\n');
    fs.writeFileSync(path.join(app, 'ios/MyApp/ClerkNativeBridge.swift'), 'old\n');
    const copies = findIosCopies(app);
    expect(copies.map((c) => c.file)).toEqual(['ios/MyApp/ClerkNativeBridge.swift', 'ios/MyApp/ClerkViewFactory.swift']);
    expect(copies.map((c) => c.source)).toEqual(['ios/ClerkNativeBridge.swift', 'ios/ClerkViewFactory.swift']);
  });
});
