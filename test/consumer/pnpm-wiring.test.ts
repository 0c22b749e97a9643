import { describe, expect, it } from 'vitest';
import { workspaceDoc } from '../../scripts/consumer/config-doc.ts';
import { emptyOwnership } from '../../scripts/consumer/ownership.ts';
import { GUARD_STEP } from '../../scripts/consumer/package-json.ts';
import { pnpmVersion, pnpmWiring, type PnpmWiring } from '../../scripts/consumer/pnpm-version.ts';
import { planSync, type DesiredPatch, type PlanInput } from '../../scripts/consumer/sync/plan.ts';
import { placePatch, readWired } from '../../scripts/consumer/wiring.ts';
import { ToolError } from '../../scripts/core/errors.ts';

/**
 * pnpm reads patch wiring from package.json's `pnpm` field up to 10.x and from
 * pnpm-workspace.yaml from 10.7 on (only there from 11 on): sync picks the file by the app's pnpm
 * version, edits the YAML as a document (comments, order and the app's own settings stay), and
 * removes exactly what it wrote.
 */
const copy = { name: '@clerk/clerk-js', version: '6.7.1', chain: ['@clerk/clerk-js'] };
const PATCH = 'patches/@clerk__clerk-js@6.7.1.patch';
const NONE = { workspaceExists: false, workspaceHasPatches: false, packageJsonHasPatches: false };
const V12: PnpmWiring = pnpmWiring({ version: '12.26.0', from: 'test' }, NONE);

function desired(pnpm: PnpmWiring): DesiredPatch {
  const place = placePatch('pnpm', {}, copy, 'patch 6.7.1\n', { pnpmFile: pnpm.file });
  return { package: copy.name, version: copy.version, ...place, fixes: ['headless-background-refresh'], unverified: false };
}

const base = (over: Partial<PlanInput>): PlanInput => ({
  pm: 'pnpm',
  packageJson: {},
  record: emptyOwnership('pnpm'),
  desired: [],
  current: [],
  read: () => undefined,
  ...over,
});

const APP_YAML = `# our workspace
packages:
  - '.'

# build scripts we allow (pnpm 12 stops on unapproved ones)
onlyBuiltDependencies:
  - core-js
strictDepBuilds: true
`;

describe('pnpm version: from the app, else the pnpm running, else newest', () => {
  it('reads packageManager, devEngines, the user agent and pnpm on PATH, in that order', () => {
    expect(pnpmVersion({ packageManager: 'pnpm@10.6.5+sha512.abc' }, 'pnpm/12.0.0 npm/? node/v20')).toEqual({
      version: '10.6.5',
      from: 'package.json "packageManager"',
    });
    expect(pnpmVersion({ devEngines: { packageManager: { name: 'pnpm', version: '^11.2.0' } } }, undefined).version).toBe('11.2.0');
    expect(pnpmVersion({}, 'pnpm/9.15.9 npm/? node/v20.20.2 linux x64').version).toBe('9.15.9');
    expect(pnpmVersion({}, 'npm/11.19.1 node/v20.20.2', () => '10.20.0\n')).toMatchObject({
      version: '10.20.0',
      from: '`pnpm --version` on PATH',
    });
    expect(pnpmVersion({ packageManager: 'yarn@4.18.1' }, undefined, () => undefined).version).toBeUndefined();
  });

  it('picks the file and the allow-unused key by version', () => {
    const at = (version: string | undefined, app = NONE) => pnpmWiring({ version, from: 'test' }, app);
    expect(at('9.15.9')).toEqual({ file: 'package.json', allowKey: 'allowNonAppliedPatches' });
    expect(at('10.0.0')).toEqual({ file: 'package.json', allowKey: 'allowNonAppliedPatches' });
    expect(at('10.6.5')).toEqual({ file: 'package.json', allowKey: 'allowNonAppliedPatches' });
    // 10.7+: the place the app already uses.
    expect(at('10.7.0')).toEqual({ file: 'package.json', allowKey: 'allowUnusedPatches' });
    expect(at('10.20.0', { ...NONE, workspaceExists: true })).toEqual({ file: 'pnpm-workspace.yaml', allowKey: 'allowUnusedPatches' });
    expect(at('10.20.0', { workspaceExists: true, workspaceHasPatches: false, packageJsonHasPatches: true }).file).toBe('package.json');
    expect(at('10.20.0', { workspaceExists: true, workspaceHasPatches: true, packageJsonHasPatches: true }).file).toBe(
      'pnpm-workspace.yaml',
    );
    expect(at('11.0.0')).toEqual({ file: 'pnpm-workspace.yaml', allowKey: 'allowUnusedPatches' });
    expect(at('12.26.0')).toEqual({ file: 'pnpm-workspace.yaml', allowKey: 'allowUnusedPatches' });
    expect(at(undefined)).toEqual({ file: 'pnpm-workspace.yaml', allowKey: 'allowUnusedPatches' });
  });
});

describe('sync plan on pnpm 11 and later: pnpm-workspace.yaml', () => {
  it("edits the app's file keeping its comments and settings, and a later sync removes exactly what it added", () => {
    const ws = workspaceDoc(APP_YAML);
    const first = planSync(base({ desired: [desired(V12)], pnpm: V12, workspace: ws }));
    expect(first.packageJson).toEqual({ scripts: { postinstall: GUARD_STEP } });
    expect(first.workspaceText).toBe(`${APP_YAML}patchedDependencies:\n  "@clerk/clerk-js@6.7.1": ${PATCH}\nallowUnusedPatches: true\n`);
    expect(first.workspaceEdits).toEqual([`patchedDependencies["@clerk/clerk-js@6.7.1"] = "${PATCH}"`, 'allowUnusedPatches = true']);
    expect(first.record.patches[0]!.configs).toEqual([
      { file: 'pnpm-workspace.yaml', keys: ['patchedDependencies'], key: '@clerk/clerk-js@6.7.1', value: PATCH },
    ]);
    expect(first.record.added).toEqual({
      postinstall: GUARD_STEP,
      pnpmAllowUnused: 'allowUnusedPatches',
      pnpmAllowUnusedIn: 'pnpm-workspace.yaml',
    });

    // Read back as check and sync read it.
    const again = workspaceDoc(first.workspaceText);
    expect(readWired('/app', 'pnpm', {}, again)).toEqual([
      {
        package: '@clerk/clerk-js',
        version: '6.7.1',
        file: PATCH,
        config: { file: 'pnpm-workspace.yaml', keys: ['patchedDependencies'], key: '@clerk/clerk-js@6.7.1', value: PATCH },
      },
    ]);
    const second = planSync(
      base({ packageJson: first.packageJson, record: first.record, pnpm: V12, workspace: again, read: () => 'patch 6.7.1\n' }),
    );
    expect(second.workspaceText).toBe(APP_YAML);
    expect(second.packageJson).toEqual({});
    expect(second.recordText).toBeUndefined();
  });

  it('creates pnpm-workspace.yaml when absent, and removes it again when nothing of it is left', () => {
    const first = planSync(base({ desired: [desired(V12)], pnpm: V12, workspace: workspaceDoc(undefined) }));
    expect(first.workspaceText).toBe(`patchedDependencies:\n  "@clerk/clerk-js@6.7.1": ${PATCH}\nallowUnusedPatches: true\n`);
    expect(first.record.added.workspaceCreated).toBe(true);
    const second = planSync(
      base({ packageJson: first.packageJson, record: first.record, pnpm: V12, workspace: workspaceDoc(first.workspaceText) }),
    );
    expect(second.removes.map((r) => r.file)).toContain('pnpm-workspace.yaml');
    expect(second.workspaceText).toBeUndefined();
    expect(second.recordText).toBeUndefined();
  });

  it('moves the package.json wiring an older sync wrote (pnpm 11 ignores it) to pnpm-workspace.yaml', () => {
    const V10 = pnpmWiring({ version: '10.20.0', from: 'test' }, NONE);
    const old = planSync(base({ desired: [desired(V10)], pnpm: V10 }));
    expect(old.packageJson).toMatchObject({ pnpm: { patchedDependencies: { '@clerk/clerk-js@6.7.1': PATCH }, allowUnusedPatches: true } });
    const ws = workspaceDoc(APP_YAML);
    const moved = planSync(
      base({
        packageJson: old.packageJson,
        record: old.record,
        desired: [desired(V12)],
        pnpm: V12,
        workspace: ws,
        read: () => 'patch 6.7.1\n',
      }),
    );
    expect(moved.packageJson).toEqual({ scripts: { postinstall: GUARD_STEP } });
    expect(moved.packageJsonEdits).toEqual([
      'removed pnpm.patchedDependencies["@clerk/clerk-js@6.7.1"]',
      'removed pnpm.allowUnusedPatches (sync had added it)',
    ]);
    expect(moved.workspaceText).toContain(`"@clerk/clerk-js@6.7.1": ${PATCH}`);
    expect(moved.workspaceText).toContain('allowUnusedPatches: true');
    expect(moved.writes).toEqual([]);
  });

  it("leaves an entry the app's developers set in pnpm-workspace.yaml alone", () => {
    const ws = workspaceDoc(`patchedDependencies:\n  "@clerk/clerk-js@6.7.1": patches/mine.patch\nallowUnusedPatches: false\n`);
    const plan = planSync(base({ desired: [desired(V12)], pnpm: V12, workspace: ws }));
    expect(plan.warnings[0]).toMatch(
      /patchedDependencies\["@clerk\/clerk-js@6.7.1"\] in pnpm-workspace.yaml is already set to "patches\/mine.patch"/,
    );
    expect(plan.writes).toEqual([]);
    expect(plan.workspaceText).toBeUndefined();
  });

  it('a pnpm-workspace.yaml that does not parse is a tool error naming it', () => {
    expect(() => workspaceDoc('packages: [a, b\nonlyBuiltDependencies: x\n')).toThrow(ToolError);
    expect(() => workspaceDoc('packages: [a, b\n')).toThrow(/pnpm-workspace.yaml does not parse as YAML/);
    expect(() => workspaceDoc('- a\n- b\n')).toThrow(/not a YAML mapping/);
  });
});

describe('sync adds itself', () => {
  it('lists clerk-expo-patches in devDependencies when the app does not (npx sync), and keeps a listed one', () => {
    const bare = planSync(base({ desired: [desired(V12)], pnpm: V12, workspace: workspaceDoc(undefined), selfVersion: '0.3.0' }));
    expect(bare.packageJson.devDependencies).toEqual({ 'clerk-expo-patches': '^0.3.0' });
    const listed = planSync(
      base({
        packageJson: { devDependencies: { 'clerk-expo-patches': 'file:../cep.tgz' } },
        desired: [desired(V12)],
        pnpm: V12,
        workspace: workspaceDoc(undefined),
        selfVersion: '0.3.0',
      }),
    );
    expect(listed.packageJson.devDependencies).toEqual({ 'clerk-expo-patches': 'file:../cep.tgz' });
    // Nothing to wire: nothing added.
    expect(planSync(base({ selfVersion: '0.3.0' })).packageJson).toEqual({});
  });
});

describe('leaving pnpm', () => {
  it('an app that moved to another package manager keeps the pnpm-workspace.yaml entries sync cannot see, without an error', () => {
    const first = planSync(base({ desired: [desired(V12)], pnpm: V12, workspace: workspaceDoc(undefined) }));
    const npm = planSync(base({ pm: 'npm', packageJson: first.packageJson, record: first.record, read: () => 'patch 6.7.1\n' }));
    expect(npm.workspaceText).toBeUndefined();
    expect(npm.record.added.pnpmAllowUnused).toBe('allowUnusedPatches');
  });
});
