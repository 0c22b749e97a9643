import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/infra/paths.ts';

/**
 * The version in package.json is the one a release says: package-lock.json carries the same,
 * CHANGELOG.md (written by `changeset version` in the release pull request) starts with it, and
 * applying the pending changesets moves both to the next version, as semver says for their bumps.
 * A bump made by hand, or a `changeset version` applied to only some of these files, fails here.
 */
const run = promisify(execFile);
const CHANGESET = path.join(ROOT, 'node_modules', '@changesets', 'cli', 'bin.js');
const json = <T>(file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

interface Lock {
  version: string;
  packages: Record<string, { version?: string }>;
}
type Bump = 'major' | 'minor' | 'patch' | 'none';
const BUMPS: Bump[] = ['none', 'patch', 'minor', 'major'];

/** The pending changesets (.changeset/*.md): their YAML front matter, package name → bump. */
function pendingChangesets(dir: string): Array<{ id: string; releases: Record<string, unknown> }> {
  return fs
    .readdirSync(path.join(dir, '.changeset'))
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((f) => {
      const text = fs.readFileSync(path.join(dir, '.changeset', f), 'utf8');
      const front = /^---\n([\s\S]*?)\n---\n/.exec(text);
      return { id: f, releases: (front ? parseYaml(front[1]!) : undefined) ?? {} };
    });
}

/** The first `## <version>` heading of a changesets CHANGELOG.md, if there is one. */
function changelogVersion(text: string): string | undefined {
  return /^## (\S+)\s*$/m.exec(text)?.[1];
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the release files (package.json, lockfile, .changeset/, CHANGELOG.md) to run changesets in. */
function releaseCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-release-'));
  scratch.push(dir);
  for (const f of ['package.json', 'package-lock.json', 'CHANGELOG.md', '.changeset'])
    if (fs.existsSync(path.join(ROOT, f))) fs.cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

describe('release version', () => {
  const pkg = json<{ name: string; version: string }>(path.join(ROOT, 'package.json'));

  it('package-lock.json carries the version of package.json', () => {
    const lock = json<Lock>(path.join(ROOT, 'package-lock.json'));
    expect([lock.version, lock.packages['']?.version]).toEqual([pkg.version, pkg.version]);
  });

  it('CHANGELOG.md starts with the version of package.json (before the first release: no CHANGELOG.md, version 0.0.0)', () => {
    const file = path.join(ROOT, 'CHANGELOG.md');
    if (fs.existsSync(file)) expect(changelogVersion(fs.readFileSync(file, 'utf8'))).toBe(pkg.version);
    else expect(pkg.version).toBe('0.0.0');
  });

  it('reads the first version heading as changesets writes it', () => {
    expect(changelogVersion('# clerk-expo-patches\n\n## 0.2.0\n\n### Minor Changes\n\n- x\n\n## 0.1.0\n')).toBe('0.2.0');
    expect(changelogVersion('# clerk-expo-patches\n')).toBeUndefined();
  });

  it('every pending changeset bumps this package, and only it', () => {
    for (const c of pendingChangesets(ROOT)) {
      expect(Object.keys(c.releases), c.id).toEqual([pkg.name]);
      expect(BUMPS, c.id).toContain(c.releases[pkg.name]);
    }
  });

  it('applying them (changeset version, as the release pull request does) moves package.json and CHANGELOG.md to the same next version', async () => {
    const pending = pendingChangesets(ROOT);
    const bump = pending.map((c) => BUMPS.indexOf(c.releases[pkg.name] as Bump)).reduce((a, b) => Math.max(a, b), 0);
    const expected = bump > 0 ? semver.inc(pkg.version, BUMPS[bump] as 'patch' | 'minor' | 'major') : pkg.version;
    const dir = releaseCopy();
    await run(process.execPath, [CHANGESET, 'version'], { cwd: dir });
    const next = json<{ version: string }>(path.join(dir, 'package.json')).version;
    expect(next).toBe(expected);
    if (bump > 0) expect(changelogVersion(fs.readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8'))).toBe(next);
    expect(pendingChangesets(dir)).toEqual([]);
  });
});
