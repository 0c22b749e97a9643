import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCheck } from '../../scripts/commands/check.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { fetchPackage, type Snapshot } from '../../scripts/produce/npm-registry.ts';
import { schemaErrors } from '../cli/report-schema.ts';

/**
 * check on a pnpm app whose installed @clerk/expo 3.2.7 is unpatched while a patch is wired:
 * where the app's pnpm does not read that wiring (pnpm 11 and later ignore package.json's "pnpm"
 * field) the row says `ignored-wiring` and names the command that moves it; where it does, the
 * old "wired but not applied" advice stands. An allow-unused setting under a name or in a file the
 * app's pnpm does not read is a `setting` row. Every report fits schema/report.schema.json.
 */
const VERSION = '3.2.7';
const PATCH = `patches/@clerk__expo@${VERSION}.patch`;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-check-pnpm-'));
const app = path.join(root, 'app');
let pkg: Snapshot;

function install(packageJson: Record<string, unknown>, workspaceYaml?: string) {
  fs.rmSync(app, { recursive: true, force: true });
  const dir = path.join(app, 'node_modules', '@clerk', 'expo');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), pkg.read('package.json')!);
  const entry = readManifest().patches.find((p) => p.package === '@clerk/expo' && p.version === VERSION)!;
  for (const f of entry.files) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), pkg.read(f.path)!);
  }
  fs.writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'a', private: true, dependencies: { '@clerk/expo': VERSION }, ...packageJson }),
  );
  fs.writeFileSync(path.join(app, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n");
  fs.mkdirSync(path.join(app, 'patches'));
  fs.writeFileSync(path.join(app, PATCH), 'a patch\n');
  if (workspaceYaml !== undefined) fs.writeFileSync(path.join(app, 'pnpm-workspace.yaml'), workspaceYaml);
}

const check = async () => {
  const r = await runCheck({ cwd: app });
  expect(schemaErrors(JSON.parse(JSON.stringify(r)))).toBeUndefined();
  return r;
};
const expoRow = async () => (await check()).results.find((r) => r.kind === 'installed')!;
const inPackageJson = { patchedDependencies: { [`@clerk/expo@${VERSION}`]: PATCH } };

beforeAll(async () => {
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  pkg = await fetchPackage('@clerk/expo', VERSION);
});
beforeEach(() => vi.stubEnv('npm_config_user_agent', 'npm/11.19.1 node/v20.20.2 linux x64'));
afterAll(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('check names wiring the app’s pnpm ignores', () => {
  it('pnpm 12 with the patch in package.json: ignored-wiring, and the command that moves it', async () => {
    install({ packageManager: 'pnpm@12.26.0', pnpm: { ...inPackageJson, allowUnusedPatches: true } });
    const row = await expoRow();
    expect(row).toMatchObject({ status: 'ignored-wiring', finding: true, patch: PATCH });
    expect(row.reason).toContain('pnpm.patchedDependencies["@clerk/expo@3.2.7"] in package.json is ignored: pnpm 12.26.0');
    expect(row.action).toBe('run `npx clerk-expo-patches sync` (it moves the wiring to pnpm-workspace.yaml), then `pnpm install`');
  });

  it('pnpm of unknown version: assumed 11 or later, and said so', async () => {
    install({ pnpm: inPackageJson });
    const row = await expoRow();
    expect(row.status).toBe('ignored-wiring');
    expect(row.reason).toMatch(/pnpm 11 or later \(assumed: nothing says which pnpm/);
  });

  it('pnpm 10.20 reads package.json: the patch is wired but not applied (run the install)', async () => {
    install({ packageManager: 'pnpm@10.20.0', pnpm: { ...inPackageJson, allowUnusedPatches: true } });
    const r = await check();
    const row = r.results.find((x) => x.kind === 'installed')!;
    expect(row).toMatchObject({ status: 'vulnerable', finding: true });
    expect(row.action).toBe(`${PATCH} is wired but not applied: run \`pnpm install\``);
    expect(r.results.filter((x) => x.kind === 'setting')).toEqual([]);
  });

  it('pnpm 12 with the patch in pnpm-workspace.yaml: read, so not ignored', async () => {
    install(
      { packageManager: 'pnpm@12.26.0' },
      `# app settings\npatchedDependencies:\n  "@clerk/expo@${VERSION}": ${PATCH}\nallowUnusedPatches: true\n`,
    );
    const r = await check();
    expect(r.results.find((x) => x.kind === 'installed')).toMatchObject({ status: 'vulnerable', patch: PATCH });
    expect(r.results.filter((x) => x.kind === 'setting')).toEqual([]);
  });

  it('an allow-unused setting this pnpm does not read is a setting row', async () => {
    // pnpm 10.6 knows only allowNonAppliedPatches.
    install({ packageManager: 'pnpm@10.6.5', pnpm: { ...inPackageJson, allowUnusedPatches: true } });
    const rows = (await check()).results.filter((x) => x.kind === 'setting');
    expect(rows).toEqual([
      expect.objectContaining({
        package: 'pnpm',
        installed: '10.6.5',
        path: 'pnpm.allowUnusedPatches in package.json',
        status: 'ignored-wiring',
        finding: true,
      }),
    ]);
    // pnpm 12 with the patch in pnpm-workspace.yaml but the setting left in package.json.
    install(
      { packageManager: 'pnpm@12.26.0', pnpm: { allowUnusedPatches: true } },
      `patchedDependencies:\n  "@clerk/expo@${VERSION}": ${PATCH}\n`,
    );
    expect((await check()).results.filter((x) => x.kind === 'setting').map((x) => x.path)).toEqual([
      'pnpm.allowUnusedPatches in package.json',
    ]);
  });

  it('a pnpm-workspace.yaml that does not parse stops check with the file named', async () => {
    install({ packageManager: 'pnpm@12.26.0' }, 'patchedDependencies: [a\n');
    await expect(runCheck({ cwd: app })).rejects.toThrow(/pnpm-workspace.yaml does not parse as YAML/);
  });
});
