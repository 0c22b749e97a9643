import { describe, expect, it } from 'vitest';
import { declaredRange, mergePostinstall, outOfDate, PATCH_PACKAGE_STEP, unmergePostinstall } from '../../scripts/consumer/package-json.ts';

describe('postinstall merge', () => {
  it('adds patch-package when there is no postinstall', () => {
    expect(mergePostinstall(undefined)).toEqual({ value: PATCH_PACKAGE_STEP, changed: true });
    expect(mergePostinstall('  ')).toEqual({ value: PATCH_PACKAGE_STEP, changed: true });
  });

  it('never overwrites an existing postinstall: patch-package runs first, then it', () => {
    expect(mergePostinstall('node scripts/setup.js')).toEqual({ value: `${PATCH_PACKAGE_STEP} && node scripts/setup.js`, changed: true });
  });

  it('leaves an existing patch-package call alone, whatever its flags', () => {
    for (const s of [
      'patch-package',
      'patch-package --patch-dir fixes',
      'npx patch-package && husky install',
      'husky install; yarn patch-package',
    ]) {
      expect(mergePostinstall(s)).toEqual({ value: s, changed: false });
    }
    expect(mergePostinstall('my-patch-packager').changed).toBe(true);
  });

  it('unmerge removes exactly what merge added', () => {
    for (const s of [undefined, 'node scripts/setup.js']) {
      const merged = mergePostinstall(s).value;
      expect(unmergePostinstall(merged)).toEqual({ value: s, changed: true });
    }
    expect(unmergePostinstall('patch-package')).toEqual({ value: 'patch-package', changed: false });
  });

  it('reads the range the app asks for, and spots an out-of-date install', () => {
    const pkg = { dependencies: { '@clerk/clerk-js': '6.7.4', '@clerk/expo': 'workspace:*' }, devDependencies: { x: '^1' } };
    expect(declaredRange(pkg, '@clerk/clerk-js')).toBe('6.7.4');
    expect(declaredRange(pkg, '@clerk/expo')).toBeUndefined();
    expect(outOfDate(pkg, { name: '@clerk/clerk-js', version: '6.7.1', chain: ['@clerk/clerk-js'], inStore: false })).toBe('6.7.4');
    expect(outOfDate(pkg, { name: '@clerk/clerk-js', version: '6.7.4', chain: ['@clerk/clerk-js'], inStore: false })).toBeUndefined();
    // Nested copies follow their parent's range, not the app's.
    expect(
      outOfDate(pkg, { name: '@clerk/clerk-js', version: '6.40.0', chain: ['@clerk/expo', '@clerk/clerk-js'], inStore: false }),
    ).toBeUndefined();
  });
});
