import { describe, expect, it } from 'vitest';
import { sha256 } from '../../scripts/infra/hash.ts';
import { emptyOwnership, type Ownership } from '../../scripts/consumer/ownership.ts';
import { GUARD_STEP, PATCH_PACKAGE_STEP } from '../../scripts/consumer/package-json.ts';

const BOTH = `${GUARD_STEP} && ${PATCH_PACKAGE_STEP}`;
import { planSync, PATCH_PACKAGE_RANGE, type DesiredPatch } from '../../scripts/consumer/sync/plan.ts';
import type { Wired } from '../../scripts/consumer/wiring.ts';
import { pnpmWiring } from '../../scripts/consumer/pnpm-version.ts';

const npmPatch = (version: string, text = `patch ${version}\n`): DesiredPatch => ({
  package: '@clerk/clerk-js',
  version,
  file: `patches/@clerk+clerk-js+${version}.patch`,
  text,
  configs: [],
  target: 'node_modules/@clerk/clerk-js',
  fixes: ['headless-background-refresh'],
  unverified: false,
});

const pnpmPatch = (version: string): DesiredPatch => {
  const file = `patches/@clerk__clerk-js@${version}.patch`;
  return {
    ...npmPatch(version),
    file,
    target: undefined,
    configs: [{ keys: ['pnpm', 'patchedDependencies'], key: `@clerk/clerk-js@${version}`, value: file }],
  };
};

const files = (m: Record<string, string>) => (f: string) => m[f];

describe('sync plan (npm / patch-package)', () => {
  it('first run: writes the patch, merges the postinstall, adds patch-package, records ownership', () => {
    const pkg = { scripts: { postinstall: 'node setup.js' }, dependencies: {} };
    const plan = planSync({
      pm: 'npm',
      packageJson: pkg,
      record: emptyOwnership('npm'),
      desired: [npmPatch('6.7.1')],
      current: [],
      read: files({}),
    });
    expect(plan.writes.map((w) => w.file)).toEqual(['patches/@clerk+clerk-js+6.7.1.patch']);
    expect(plan.packageJson.scripts).toEqual({ postinstall: `${BOTH} && node setup.js` });
    expect(plan.packageJson.devDependencies).toEqual({ 'patch-package': PATCH_PACKAGE_RANGE });
    expect(plan.record.patches).toEqual([
      expect.objectContaining({ file: 'patches/@clerk+clerk-js+6.7.1.patch', sha256: sha256('patch 6.7.1\n') }),
    ]);
    expect(plan.record.added).toEqual({ postinstall: BOTH, devDependency: PATCH_PACKAGE_RANGE });
    expect(pkg.scripts.postinstall).toBe('node setup.js'); // input not mutated
  });

  it('upgrade: removes its own stale patch (still as written) and writes the new one', () => {
    const old = npmPatch('6.7.0');
    const record: Ownership = {
      ...emptyOwnership('npm'),
      patches: [{ package: old.package, version: old.version, file: old.file, sha256: sha256(old.text), fixes: old.fixes }],
      added: { postinstall: PATCH_PACKAGE_STEP },
    };
    const pkg = { scripts: { postinstall: PATCH_PACKAGE_STEP }, devDependencies: { 'patch-package': '^8' } };
    const plan = planSync({
      pm: 'npm',
      packageJson: pkg,
      record,
      desired: [npmPatch('6.7.1')],
      current: [],
      read: files({ [old.file]: old.text }),
    });
    expect(plan.removes.map((r) => r.file)).toEqual([old.file]);
    expect(plan.writes.map((w) => w.file)).toEqual(['patches/@clerk+clerk-js+6.7.1.patch']);
    // Synced before the guard existed: the guard goes in front, and sync owns both steps.
    expect(plan.packageJsonEdits).toEqual([`scripts.postinstall = "${BOTH}"`]);
    expect(plan.record.added.postinstall).toBe(BOTH);
    expect(plan.record.patches.map((p) => p.version)).toEqual(['6.7.1']);
  });

  it('never removes a patch it owns once edited by hand, nor one it did not write', () => {
    const old = npmPatch('6.7.0');
    const record: Ownership = {
      ...emptyOwnership('npm'),
      patches: [{ package: old.package, version: old.version, file: old.file, sha256: sha256(old.text), fixes: old.fixes }],
    };
    const theirs: Wired = {
      package: '@clerk/clerk-js',
      version: '6.7.1',
      target: 'node_modules/@clerk/clerk-js',
      file: 'patches/@clerk+clerk-js+6.7.1+001+mine.patch',
    };
    const plan = planSync({
      pm: 'npm',
      packageJson: {},
      record,
      desired: [npmPatch('6.7.1')],
      current: [theirs],
      read: files({ [old.file]: 'edited\n', [theirs.file]: 'their patch\n' }),
    });
    expect(plan.removes).toEqual([]);
    expect(plan.warnings.join('\n')).toMatch(/was edited since; left it in place/);
    // A second patch for the same package path: a conflict sync reports (exit 1), never deletes.
    expect(plan.conflicts).toEqual([{ file: theirs.file, target: 'node_modules/@clerk/clerk-js' }]);
  });

  it('does not overwrite a file at its target path that it did not write', () => {
    const d = npmPatch('6.7.1');
    const plan = planSync({
      pm: 'npm',
      packageJson: {},
      record: emptyOwnership('npm'),
      desired: [d],
      current: [],
      read: files({ [d.file]: 'someone else\n' }),
    });
    expect(plan.writes).toEqual([]);
    expect(plan.wired).toEqual([]);
    expect(plan.warnings[0]).toMatch(/was not written by clerk-expo-patches/);
    // Identical content is adopted, not rewritten.
    const same = planSync({
      pm: 'npm',
      packageJson: {},
      record: emptyOwnership('npm'),
      desired: [d],
      current: [],
      read: files({ [d.file]: d.text }),
    });
    expect(same.writes).toEqual([]);
    expect(same.record.patches).toHaveLength(1);
  });

  it('nothing left: undoes its own postinstall and devDependency, deletes the record', () => {
    const old = npmPatch('6.7.1');
    const record: Ownership = {
      ...emptyOwnership('npm'),
      patches: [{ package: old.package, version: old.version, file: old.file, sha256: sha256(old.text), fixes: old.fixes }],
      added: { postinstall: BOTH, devDependency: PATCH_PACKAGE_RANGE },
    };
    const pkg = {
      scripts: { postinstall: `${BOTH} && node setup.js` },
      devDependencies: { 'patch-package': PATCH_PACKAGE_RANGE },
    };
    const plan = planSync({
      pm: 'npm',
      packageJson: pkg,
      record,
      desired: [],
      current: [{ package: old.package, version: '6.7.1', target: old.target!, file: old.file }],
      read: files({ [old.file]: old.text }),
    });
    expect(plan.removes.map((r) => r.file)).toEqual([old.file]);
    expect(plan.packageJson).toEqual({ scripts: { postinstall: 'node setup.js' } });
    expect(plan.recordText).toBeUndefined();
  });

  it('keeps a postinstall and devDependency it did not add; owns only the guard it puts in front', () => {
    const pkg = { scripts: { postinstall: 'patch-package' }, devDependencies: { 'patch-package': '^6' } };
    const plan = planSync({
      pm: 'npm',
      packageJson: pkg,
      record: emptyOwnership('npm'),
      desired: [npmPatch('6.7.1')],
      current: [],
      read: files({}),
    });
    expect(plan.packageJson).toEqual({ ...pkg, scripts: { postinstall: `${GUARD_STEP} && patch-package` } });
    expect(plan.record.added).toEqual({ postinstall: GUARD_STEP });
    const done = planSync({
      pm: 'npm',
      packageJson: plan.packageJson,
      record: plan.record,
      desired: [],
      current: [],
      read: files({ 'patches/@clerk+clerk-js+6.7.1.patch': 'patch 6.7.1\n' }),
    });
    expect(done.packageJson).toEqual(pkg);
  });
});

describe('sync plan (pnpm / native patching)', () => {
  it('sets patchedDependencies and removes only its own entry later', () => {
    const first = planSync({
      pm: 'pnpm',
      packageJson: { pnpm: { patchedDependencies: { 'left-pad@1.3.0': 'patches/left-pad@1.3.0.patch' } } },
      record: emptyOwnership('pnpm'),
      desired: [pnpmPatch('6.7.1')],
      current: [],
      read: files({}),
      pnpm: { file: 'package.json', allowKey: 'allowUnusedPatches' },
    });
    // The guard in the postinstall, and pnpm told to go on past an unused patch so an upgrade reaches the guard.
    expect(first.packageJson).toEqual({
      pnpm: {
        patchedDependencies: {
          'left-pad@1.3.0': 'patches/left-pad@1.3.0.patch',
          '@clerk/clerk-js@6.7.1': 'patches/@clerk__clerk-js@6.7.1.patch',
        },
        allowUnusedPatches: true,
      },
      scripts: { postinstall: GUARD_STEP },
    });
    expect(first.record.added).toEqual({ postinstall: GUARD_STEP, pnpmAllowUnused: 'allowUnusedPatches' });
    const second = planSync({
      pm: 'pnpm',
      packageJson: first.packageJson,
      record: first.record,
      desired: [],
      current: [],
      read: files({ 'patches/@clerk__clerk-js@6.7.1.patch': 'patch 6.7.1\n' }),
    });
    expect(second.packageJson).toEqual({ pnpm: { patchedDependencies: { 'left-pad@1.3.0': 'patches/left-pad@1.3.0.patch' } } });
    expect(second.removes.map((r) => r.file)).toEqual(['patches/@clerk__clerk-js@6.7.1.patch']);
    // Emptied objects are pruned.
    const third = planSync({
      pm: 'pnpm',
      packageJson: { pnpm: { patchedDependencies: { '@clerk/clerk-js@6.7.1': 'patches/@clerk__clerk-js@6.7.1.patch' } } },
      record: first.record,
      desired: [],
      current: [],
      read: files({}),
    });
    expect(third.packageJson).toEqual({});
  });

  it('pnpm 9 and 10.0–10.6 call the setting allowNonAppliedPatches', () => {
    const plan = planSync({
      pm: 'pnpm',
      packageJson: {},
      record: emptyOwnership('pnpm'),
      desired: [pnpmPatch('6.7.1')],
      current: [],
      read: files({}),
      pnpm: pnpmWiring(
        { version: '10.6.5', from: 'test' },
        { workspaceExists: false, workspaceHasPatches: false, packageJsonHasPatches: false },
      ),
    });
    expect((plan.packageJson.pnpm as Record<string, unknown>).allowNonAppliedPatches).toBe(true);
    expect((plan.packageJson.pnpm as Record<string, unknown>).allowUnusedPatches).toBeUndefined();
  });

  it('does not replace a patchedDependencies entry someone else set', () => {
    const plan = planSync({
      pm: 'pnpm',
      packageJson: { pnpm: { patchedDependencies: { '@clerk/clerk-js@6.7.1': 'patches/mine.patch' } } },
      record: emptyOwnership('pnpm'),
      desired: [pnpmPatch('6.7.1')],
      current: [],
      read: files({}),
    });
    expect(plan.writes).toEqual([]);
    expect(plan.packageJsonEdits).toEqual([]);
    expect(plan.warnings[0]).toMatch(/already set to "patches\/mine.patch"/);
  });
});
