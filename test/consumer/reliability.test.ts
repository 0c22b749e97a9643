import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCheck } from '../../scripts/commands/check.ts';
import { sync } from '../../scripts/commands/sync.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { jsEntryPoints } from '../../scripts/codemod/entry-points.ts';
import { fetchPackage, type Snapshot } from '../../scripts/produce/npm-registry.ts';

/**
 * Damaged or unusual installs, each read by check (never trusting names) and left untouched:
 * a copy patched in one file only, a missing target file, CRLF line endings, a version outside
 * every affected range. Each is a finding with a reason that names what to look at.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-rel-'));
const app = path.join(root, 'app');
const dir = path.join(app, 'node_modules', '@clerk', 'clerk-js');
let pkg: Snapshot;
const fixA = FIXES.find((f) => f.id === 'headless-background-refresh')!;

function install(version = '6.7.1') {
  fs.rmSync(app, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...pkg.packageJson, version }));
  for (const f of jsEntryPoints(pkg)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), pkg.read(f)!);
  }
  fs.writeFileSync(
    path.join(app, 'package.json'),
    `${JSON.stringify({ name: 'a', private: true, dependencies: { '@clerk/clerk-js': version } }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(app, 'package-lock.json'), '{}\n');
}

const snapshot = () =>
  Object.fromEntries(
    jsEntryPoints(pkg)
      .filter((f) => fs.existsSync(path.join(dir, f)))
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );

beforeAll(async () => {
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  pkg = await fetchPackage('@clerk/clerk-js', '6.7.1');
});
beforeEach(() => install());
afterAll(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('check on damaged or unusual installs', () => {
  it('a copy patched in one file only (by hand, or a half-applied patch) is a finding naming a file still vulnerable', async () => {
    const native = path.join(dir, 'dist/clerk.native.js');
    const r = fixA.apply(fs.readFileSync(native, 'utf8'), 'dist/clerk.native.js');
    if (!r.changed) throw new Error('expected a change');
    fs.writeFileSync(native, r.text);
    const before = snapshot();
    const row = (await runCheck({ cwd: app })).results[0]!;
    expect(row).toMatchObject({ status: 'vulnerable', finding: true, via: 'detect' });
    expect(row.reason).toMatch(/dist\/clerk\.(js|mjs|no-rhc\.js|no-rhc\.mjs)/);
    expect(snapshot()).toEqual(before);
  });

  it('a missing target file is a finding that names the file', async () => {
    fs.rmSync(path.join(dir, 'dist/clerk.mjs'));
    for (const f of jsEntryPoints(pkg).filter((x) => x !== 'dist/clerk.mjs')) {
      const p = path.join(dir, f);
      const r = fixA.apply(fs.readFileSync(p, 'utf8'), f);
      if (r.changed) fs.writeFileSync(p, r.text);
    }
    const row = (await runCheck({ cwd: app })).results[0]!;
    expect(row.finding).toBe(true);
    expect(row.status).toBe('unknown-shape');
    expect(row.reason).toContain('dist/clerk.mjs');
    expect(row.reason).toMatch(/reinstall/);
  });

  it('CRLF line endings: still read by structure (vulnerable, not unknown), and left as they are', async () => {
    for (const f of jsEntryPoints(pkg)) {
      const p = path.join(dir, f);
      fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(/\n/g, '\r\n'));
    }
    const before = snapshot();
    const row = (await runCheck({ cwd: app })).results[0]!;
    expect(row).toMatchObject({ status: 'vulnerable', finding: true, via: 'detect' });
    expect(snapshot()).toEqual(before);
  });

  it('a version outside every affected range whose code is nevertheless vulnerable is reported, not trusted by its number', async () => {
    install('5.99.0');
    const row = (await runCheck({ cwd: app })).results[0]!;
    expect(row.installed).toBe('5.99.0');
    expect(row.status).toBe('vulnerable');
    expect(row.finding).toBe(true);
  });

  it('sync for a version outside every affected range: no patch to wire, nothing written', async () => {
    install('5.99.0');
    const files = fs.readdirSync(app).sort();
    const pj = fs.readFileSync(path.join(app, 'package.json'), 'utf8');
    expect(await sync({ cwd: app })).toBe(0);
    expect(fs.readdirSync(app).sort()).toEqual(files);
    expect(fs.readFileSync(path.join(app, 'package.json'), 'utf8')).toBe(pj);
  });
});
