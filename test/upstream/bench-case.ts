import fs from 'node:fs';
import path from 'node:path';
import { config } from '../../scripts/infra/config.ts';
import { cleanEnv, run } from '../e2e/helpers.ts';
import { publish, repack, startVerdaccio } from '../e2e/verdaccio.ts';
import { scratchCopy } from './scratch.ts';

/**
 * The upstream benchmark's case (`npm run bench -- --upstream 1` runs it): time from "a new
 * @clerk/expo version is on the registry" to a complete upstream-report.md with a verified patch
 * and its whole session-matrix row. A local verdaccio serves 4.6.6's files as 4.6.7; a scratch
 * copy of the repository runs `npm run upstream -- --registry <it>`. Warm caches (registry
 * tarballs, npm's cache), but nothing of the new version itself: its dependency set is removed
 * and the codemods run for real (CLERK_EXPO_PATCHES_NO_MEMO=1), as for a version never seen.
 * The baseline, in the same process: the same command when nothing is new.
 * Prints one JSON line: { baselineMs, ms, exitCode, cells, reportBytes }.
 */
const CACHE = path.join(config().cacheDir, 'e2e', 'upstream-cache');
const reg = await startVerdaccio({ merged: ['@clerk/expo'] });
const scratch = scratchCopy();
try {
  const upstream = () =>
    run(
      'npm',
      ['run', '--silent', 'upstream', '--', '--registry', reg.url, '--json'],
      scratch,
      cleanEnv({ CLERK_EXPO_PATCHES_CACHE: CACHE, CLERK_EXPO_PATCHES_NO_MEMO: '1' }),
    );
  const baseline = await upstream();
  if (baseline.status !== 0) throw new Error(`nothing new should exit 0, not ${baseline.status}:\n${baseline.stderr}`);
  const dir = await repack('@clerk/expo@4.6.6', '4.6.7');
  fs.rmSync(path.join(CACHE, 'expo-deps', '4.6.7'), { recursive: true, force: true });
  await publish(reg, dir, 'upstream-bench');
  const r = await upstream();
  const out = JSON.parse(r.stdout) as { versions: { row: unknown[] }[] };
  process.stdout.write(
    `${JSON.stringify({
      baselineMs: baseline.ms,
      ms: r.ms,
      exitCode: r.status,
      cells: out.versions.reduce((n, v) => n + v.row.length, 0),
      reportBytes: fs.statSync(path.join(scratch, 'upstream-report.md')).size,
      report: fs.readFileSync(path.join(scratch, 'upstream-report.md'), 'utf8'),
    })}\n`,
  );
} finally {
  await reg.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}
