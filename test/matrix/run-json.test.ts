import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

/** `npm run matrix -- --json` keeps stdout for JSON alone, also when the run cannot start (no cell runs here). */
const RUN = path.resolve(import.meta.dirname, 'run.ts');

it('--json with an unknown option: a JSON error on stdout, the words on stderr, exit 2', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', RUN, '--json', '--no-such-option'], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(JSON.parse(r.stdout)).toEqual({ error: expect.stringMatching(/unknown option --no-such-option/) });
  expect(r.stderr).toMatch(/^matrix: unknown option --no-such-option/);
});

it('without --json the same error prints nothing on stdout', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', RUN, '--no-such-option'], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
});
