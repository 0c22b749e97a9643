import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/infra/paths.ts';
import { actionlint } from './actionlint.ts';
import {
  commandProblems,
  type Here,
  npmCommandNames,
  pathProblems,
  permissionProblems,
  pinProblems,
  readWorkflow,
  usesOf,
} from './rules.ts';

/**
 * The GitHub workflows under .github/workflows, checked here so that a typo fails CI in this
 * repository rather than on GitHub: YAML (eemeli's `yaml`, duplicate keys are errors), actionlint's
 * rules (./actionlint.ts), and this repository's rules (./rules.ts). Each rule is also shown
 * failing on a broken copy of a workflow.
 */
const DIR = path.join(ROOT, '.github', 'workflows');
const FILES = fs
  .readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const read = (file: string) => readWorkflow(file, fs.readFileSync(path.join(DIR, file), 'utf8'));
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const here: Here = { root: ROOT, scripts: pkg.scripts, npmCommands: npmCommandNames() };
/** A copy of a workflow with one edit, which must change it. */
function broken(file: string, from: string | RegExp, to: string) {
  const w = read(file);
  const text = w.text.replace(from, to);
  expect(text, `${String(from)} is in ${file}`).not.toBe(w.text);
  return readWorkflow(file, text);
}

describe('GitHub workflows', () => {
  it('are ci.yml, release.yml and upstream.yml', () => {
    expect(FILES).toEqual(['ci.yml', 'release.yml', 'upstream.yml']);
  });

  it.each(FILES)('%s is YAML without errors or warnings', (file) => {
    const { doc } = read(file);
    expect([...doc.errors, ...doc.warnings].map((e) => e.message)).toEqual([]);
  });

  it.each(FILES)('%s passes actionlint', async (file) => {
    const w = read(file);
    expect(await actionlint(w.text, file)).toEqual([]);
  });

  it.each(FILES)('%s pins every third-party action to a full commit SHA, its tag in a comment', (file) => {
    const w = read(file);
    expect(usesOf(w).length).toBeGreaterThan(0);
    expect(pinProblems(w)).toEqual([]);
  });

  it('pins each action to one commit in every workflow', () => {
    const pins = new Map<string, Set<string>>();
    for (const file of FILES)
      for (const { value, comment } of usesOf(read(file))) {
        const [action] = value.split('@') as [string];
        pins.set(action, (pins.get(action) ?? new Set()).add(`${value}${comment ? ` #${comment}` : ''}`));
      }
    expect([...pins].filter(([, refs]) => refs.size > 1).map(([, refs]) => [...refs])).toEqual([]);
  });

  it.each(FILES)('%s grants nothing at the top and names the permissions of every job', (file) => {
    expect(permissionProblems(read(file))).toEqual([]);
  });

  it.each(FILES)('%s runs only commands that exist here', (file) => {
    expect(commandProblems(read(file), here)).toEqual([]);
  });

  it.each(FILES)('%s hashes and uploads files that exist', (file) => {
    expect(pathProblems(read(file), ROOT)).toEqual([]);
  });

  describe('each check fails on a broken workflow', () => {
    it('actionlint: a misspelt key, permission scope and cron', async () => {
      const typo = broken('release.yml', 'runs-on: ubuntu-latest', 'runs-onn: ubuntu-latest');
      expect((await actionlint(typo.text, typo.file)).join('\n')).toMatch(/unexpected key "runs-onn"/);
      const scope = broken('release.yml', '      id-token: write', '      id-tokens: write');
      expect((await actionlint(scope.text, scope.file)).join('\n')).toMatch(/unknown permission scope "id-tokens"/);
      const cron = broken('upstream.yml', "cron: '23 4 * * *'", "cron: '23 25 * * *'");
      expect((await actionlint(cron.text, cron.file)).join('\n')).toMatch(/invalid CRON format/);
    });

    it('YAML: a key given twice', () => {
      const twice = broken('ci.yml', 'timeout-minutes: 45', 'timeout-minutes: 45\n    timeout-minutes: 30');
      expect(twice.doc.errors.map((e) => e.code)).toContain('DUPLICATE_KEY');
    });

    it('pins: a tag instead of a commit, a commit without its tag', () => {
      expect(pinProblems(broken('ci.yml', /actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v7'))).toEqual([
        'ci.yml: actions/checkout@v7 is not pinned to a full commit SHA',
      ]);
      expect(pinProblems(broken('ci.yml', /(actions\/checkout@[0-9a-f]{40}) # v[\d.]+/, '$1')).join('\n')).toMatch(
        /no "# vX\.Y\.Z" comment/,
      );
    });

    it('permissions: write at the top, a job without its own', () => {
      expect(permissionProblems(broken('ci.yml', 'permissions: {}', 'permissions: write-all'))).toEqual([
        'ci.yml: top-level permissions must be {} or read-only (found "write-all")',
      ]);
      expect(permissionProblems(broken('ci.yml', /    permissions:\n      contents: read\n/, ''))).toEqual([
        'ci.yml: job ci has no permissions',
      ]);
    });

    it('commands: a misspelt npm script, npm command, bin, file or tool', () => {
      const problems = (from: string | RegExp, to: string, file = 'release.yml') =>
        commandProblems(broken(file, from, to), here).join('\n');
      expect(problems('bash .ci/run', 'bash .ci/runn', 'ci.yml')).toMatch(/bash \.ci\/runn: no such file here/);
      expect(problems('version: npm run version-packages', 'version: npm run version-package')).toMatch(
        /npm run version-package: package.json has no such script/,
      );
      expect(problems('run: npm ci', 'run: npm cii')).toMatch(/npm cii: npm has no such command/);
      expect(problems('npx --no-install semver', 'npx --no-install semverr')).toMatch(/npx semverr: no such bin/);
      expect(problems('npx --no-install semver', 'npx semver')).toMatch(/add --no-install/);
      expect(problems('gh release create', 'ghh release create')).toMatch(/ghh: not a command/);
      expect(problems('npm publish --provenance', 'if then npm publish --provenance')).toMatch(/does not parse as bash/);
    });

    it('paths: a cache key on a file that is not there', () => {
      expect(pathProblems(broken('ci.yml', "hashFiles('patches/manifest.json')", "hashFiles('patches/manifest.jsn')"), ROOT)).toEqual([
        "ci.yml: hashFiles('patches/manifest.jsn') names no file",
      ]);
    });
  });
});
