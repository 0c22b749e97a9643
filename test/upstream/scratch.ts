import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../scripts/infra/paths.ts';

/**
 * A scratch copy of this repository (the working tree, without .git; node_modules linked), for
 * runs of `npm run upstream` that must not touch the real patches/ and docs/ (the e2e test, the
 * benchmark). Returns its folder; remove it with fs.rmSync.
 */
export function scratchCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-upstream-repo-'));
  fs.cpSync(ROOT, dir, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|\.git)$/.test(src) && !src.endsWith('upstream-report.md'),
  });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}
