import { spawn } from 'node:child_process';
import path from 'node:path';
import { ToolError } from '../../scripts/core/errors.ts';

/** One cell of a new version's row, as `npm run matrix -- --json` prints it. */
export interface RowCell {
  package?: string;
  version: string;
  variant: 'pristine' | 'patched';
  scenario: string;
  result: string;
  error?: string;
}

const RUN = path.resolve(import.meta.dirname, '../matrix/run.ts');

/**
 * Runs the session matrix (test/matrix/run.ts, as `npm run matrix` does) for new versions, on the
 * staged patches and into the staged docs: HARNESS_PATCHES_DIR and MATRIX_DOCS_DIR point it there,
 * so the repository's patches/ and docs/ are not touched. Its progress lines pass through to our
 * stderr; its `--json` cells are the answer.
 */
export function runMatrixRow(opts: {
  table: 'expo' | 'clerk-js';
  versions: string[];
  scenarios?: string[];
  patchesDir: string;
  docsDir: string;
}): Promise<RowCell[]> {
  const args = ['--import', 'tsx', RUN, '--versions', opts.versions.join(','), '--json'];
  if (opts.table === 'clerk-js') args.push('--clerk-js');
  if (opts.scenarios?.length) args.push('--scenarios', opts.scenarios.join(','));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HARNESS_PATCHES_DIR: opts.patchesDir, MATRIX_DOCS_DIR: opts.docsDir },
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => process.stderr.write(d.replace(/^/gm, '  matrix: ')));
    child.on('error', reject);
    child.on('close', (code) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(stdout);
      } catch {
        return reject(
          new ToolError(`the session matrix printed no JSON (exit ${code})`, 'run `npm run matrix -- --versions …` to see why'),
        );
      }
      if (!Array.isArray(parsed))
        return reject(new ToolError(`the session matrix could not run: ${(parsed as { error?: string }).error ?? stdout.slice(0, 200)}`));
      resolve(parsed as RowCell[]);
    });
  });
}

/** What a patched cell may show: the session was kept, or the user was signed out where the server ended it. */
export const ACCEPTED_PATCHED = new Set(['kept', 'signed out']);
