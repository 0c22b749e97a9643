import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sync } from '../../scripts/commands/sync.ts';
import { jsEntryPoints } from '../../scripts/codemod/entry-points.ts';
import { OWNERSHIP_FILE } from '../../scripts/consumer/ownership.ts';
import { GUARD_STEP, PATCH_PACKAGE_STEP } from '../../scripts/consumer/package-json.ts';
import { PATCH_PACKAGE_RANGE } from '../../scripts/consumer/sync/plan.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';

/**
 * sync's report and its record, on a small npm app: @clerk/clerk-js 6.7.1's entry points unpacked
 * from the registry tarball (pristine), package.json and a lockfile. Each test starts from the
 * unsynced app.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-sync-report-'));
const app = path.join(root, 'app');
const pristine = path.join(root, 'pristine');
const pjOf = (version: string) =>
  `${JSON.stringify({ name: 'a', private: true, dependencies: { '@clerk/clerk-js': version } }, null, 2)}\n`;
const readJson = (f: string) => JSON.parse(fs.readFileSync(path.join(app, f), 'utf8'));

let out = '';
let err = '';
beforeAll(async () => {
  const pkg = await fetchPackage('@clerk/clerk-js', '6.7.1');
  const dir = path.join(pristine, 'node_modules', '@clerk', 'clerk-js');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), pkg.read('package.json')!);
  for (const f of jsEntryPoints(pkg)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), pkg.read(f)!);
  }
  fs.writeFileSync(path.join(pristine, 'package.json'), pjOf('6.7.1'));
  fs.writeFileSync(path.join(pristine, 'package-lock.json'), '{}\n');
});
beforeEach(() => {
  fs.rmSync(app, { recursive: true, force: true });
  fs.cpSync(pristine, app, { recursive: true });
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('sync report and record', () => {
  it('the human report goes to stdout; with --json, stdout holds only the JSON and the words go to stderr', async () => {
    expect(await sync({ cwd: app, dryRun: true })).toBe(0);
    expect(out).toMatch(/^sync \(npm\) in .*dry run/m);
    expect(out).toMatch(/would write patches\/@clerk\+clerk-js\+6\.7\.1\.patch/);
    expect(err).toBe('');

    out = '';
    expect(await sync({ cwd: app, dryRun: true, json: true })).toBe(0);
    const report = JSON.parse(out) as { writes: string[] };
    expect(report.writes).toEqual(['patches/@clerk+clerk-js+6.7.1.patch']);
    expect(err).toMatch(/would write patches\/@clerk\+clerk-js\+6\.7\.1\.patch/);
  });

  it('a patch for the same package that sync did not write, beside the one it wires: exit 1, naming the file to remove', async () => {
    const leftover = 'patches/@clerk+clerk-js+6.7.0.patch';
    fs.mkdirSync(path.join(app, 'patches'));
    fs.writeFileSync(
      path.join(app, leftover),
      'diff --git a/node_modules/@clerk/clerk-js/dist/clerk.js b/node_modules/@clerk/clerk-js/dist/clerk.js\n',
    );
    expect(await sync({ cwd: app, json: true })).toBe(1);
    const report = JSON.parse(out) as { conflicts: Array<{ file: string; target: string }>; next: string[] };
    expect(report.conflicts).toEqual([{ file: leftover, target: 'node_modules/@clerk/clerk-js' }]);
    expect(report.next[0]).toBe(`rm ${leftover}`);
    expect(err).toContain(`remove ${leftover}`);
    expect(fs.existsSync(path.join(app, leftover))).toBe(true); // not ours: never deleted
    // Once it is gone, the same sync is clean.
    fs.rmSync(path.join(app, leftover));
    out = '';
    expect(await sync({ cwd: app })).toBe(0);
    expect(out).toMatch(/already wired/);
  });

  it('the record deleted and synced again: the postinstall and devDependency sync added are still recorded, so a later sync removes them', async () => {
    expect(await sync({ cwd: app })).toBe(0);
    expect(readJson(OWNERSHIP_FILE).added).toEqual({
      postinstall: `${GUARD_STEP} && ${PATCH_PACKAGE_STEP}`,
      devDependency: PATCH_PACKAGE_RANGE,
    });
    fs.rmSync(path.join(app, OWNERSHIP_FILE));
    expect(await sync({ cwd: app })).toBe(0);
    expect(readJson(OWNERSHIP_FILE).added).toEqual({
      postinstall: `${GUARD_STEP} && ${PATCH_PACKAGE_STEP}`,
      devDependency: PATCH_PACKAGE_RANGE,
    });

    // Upgrade to a version no fix covers: sync removes its patch and the wiring it added.
    const cj = path.join(app, 'node_modules', '@clerk', 'clerk-js', 'package.json');
    fs.writeFileSync(cj, JSON.stringify({ ...JSON.parse(fs.readFileSync(cj, 'utf8')), version: '6.7.4' }));
    fs.writeFileSync(
      path.join(app, 'package.json'),
      `${JSON.stringify({ ...readJson('package.json'), dependencies: { '@clerk/clerk-js': '6.7.4' } }, null, 2)}\n`,
    );
    expect(await sync({ cwd: app })).toBe(0);
    const pj = readJson('package.json');
    expect(pj.scripts?.postinstall).toBeUndefined();
    expect(pj.devDependencies?.['patch-package']).toBeUndefined();
    expect(fs.existsSync(path.join(app, 'patches', '@clerk+clerk-js+6.7.1.patch'))).toBe(false);
    expect(fs.existsSync(path.join(app, OWNERSHIP_FILE))).toBe(false);
  });

  it('a postinstall the developers wrote themselves (not the exact step sync adds) is never claimed: only the guard sync puts in front', async () => {
    fs.writeFileSync(
      path.join(app, 'package.json'),
      `${JSON.stringify({ ...readJson('package.json'), scripts: { postinstall: 'patch-package' } }, null, 2)}\n`,
    );
    expect(await sync({ cwd: app })).toBe(0);
    expect(readJson('package.json').scripts.postinstall).toBe(`${GUARD_STEP} && patch-package`);
    expect(readJson(OWNERSHIP_FILE).added.postinstall).toBe(GUARD_STEP);
  });
});
