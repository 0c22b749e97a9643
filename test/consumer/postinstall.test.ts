import { describe, expect, it } from 'vitest';
import {
  declaredRange,
  GUARD_STEP,
  mergePostinstall,
  outOfDate,
  PATCH_PACKAGE_STEP,
  unmergePostinstall,
} from '../../scripts/consumer/package-json.ts';

describe('postinstall merge', () => {
  const BOTH = `${GUARD_STEP} && ${PATCH_PACKAGE_STEP}`;
  it('adds the guard, then patch-package (npm, yarn classic), when there is no postinstall', () => {
    expect(mergePostinstall(undefined)).toEqual({ value: BOTH, changed: true, added: BOTH });
    expect(mergePostinstall('  ')).toEqual({ value: BOTH, changed: true, added: BOTH });
    expect(mergePostinstall(undefined, false)).toEqual({ value: GUARD_STEP, changed: true, added: GUARD_STEP });
  });

  it('never overwrites an existing postinstall: our steps run first, then it', () => {
    expect(mergePostinstall('node scripts/setup.js')).toEqual({ value: `${BOTH} && node scripts/setup.js`, changed: true, added: BOTH });
  });

  it('puts the guard in front of an existing patch-package call, whatever its flags, and leaves that call alone', () => {
    for (const s of [
      'patch-package',
      'patch-package --patch-dir fixes',
      'npx patch-package && husky install',
      'husky install; yarn patch-package',
    ]) {
      expect(mergePostinstall(s)).toEqual({ value: `${GUARD_STEP} && ${s}`, changed: true, added: GUARD_STEP });
    }
    expect(mergePostinstall(`${GUARD_STEP} && patch-package`)).toEqual({
      value: `${GUARD_STEP} && patch-package`,
      changed: false,
      added: undefined,
    });
    expect(mergePostinstall('my-patch-packager').value).toBe(`${BOTH} && my-patch-packager`);
  });

  it('an app synced before the guard existed: the guard goes in front, and sync owns both steps', () => {
    const old = `${PATCH_PACKAGE_STEP} && node setup.js`;
    const m = mergePostinstall(old, true, PATCH_PACKAGE_STEP);
    expect(m).toEqual({ value: `${BOTH} && node setup.js`, changed: true, added: BOTH });
    expect(unmergePostinstall(m.value, m.added!)).toEqual({ value: 'node setup.js', changed: true });
  });

  it('unmerge removes exactly what merge added', () => {
    for (const pp of [true, false]) {
      for (const s of [undefined, 'node scripts/setup.js', 'patch-package']) {
        const merged = mergePostinstall(s, pp);
        expect(unmergePostinstall(merged.value, merged.added!)).toEqual({ value: s, changed: true });
      }
    }
    expect(unmergePostinstall('patch-package', BOTH)).toEqual({ value: 'patch-package', changed: false });
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
