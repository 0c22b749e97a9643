import semver from 'semver';
import type { FixMeta } from '../../scripts/core/fix.ts';
import { FIX_CATALOG } from '../../scripts/fixes/catalog.ts';
import { shippedVersions } from '../harness/clerk-bundle.ts';
import type { Readings } from '../matrix/readings.ts';
import { loadMatrixScenario, matrixScenarioNames } from '../matrix/scenarios.ts';

/** A usage error: the message says what to do next (exit 2). */
export class ReproUsageError extends Error {}

/** One cell `npm run repro` runs for a fix: a matrix scenario, under the fakes' default readings or the ones named. */
export interface ReproCell {
  scenario: string;
  readings: Readings;
}

/**
 * Cells that show a fix's bug besides the matrix scenarios tagged with its letter
 * (fixtures/matrix/*.json `fix`). Fix K's scenario of its own is a guard (a live session kept on
 * a 404); the bug it fixes is the server-ended session under the `token-on-ended-session=404`
 * reading (test/harness/assumed-rules.ts), where Fix I's scenarios turn `stuck until restart`.
 */
const EXTRA: Readonly<Record<string, readonly ReproCell[]>> = {
  K: [{ scenario: 'revoked-at-foreground', readings: { 'token-on-ended-session': 404 } }],
};

/** The @clerk/expo fixes (their ids and letters): the ones the session matrix exercises. */
const expoFixes = (): FixMeta[] => FIX_CATALOG.filter((f) => f.package === '@clerk/expo');

export function resolveFix(name: string): FixMeta {
  const fix = expoFixes().find((f) => f.id === name || f.letter.toLowerCase() === name.toLowerCase());
  if (fix) return fix;
  const known = expoFixes()
    .map((f) => `${f.letter} ${f.id}`)
    .join(', ');
  throw new ReproUsageError(`unknown fix "${name}": name an @clerk/expo fix by letter or id (${known})`);
}

/** The fix's cells: its tagged matrix scenarios (matrix column order), then its extra cells. */
export function reproCells(fix: FixMeta): ReproCell[] {
  const tagged = matrixScenarioNames().filter((n) => loadMatrixScenario(n).fix === fix.letter);
  return [...tagged.map((scenario) => ({ scenario, readings: {} })), ...(EXTRA[fix.letter] ?? [])];
}

/** `3.0.1–4.6.6 (40)` and the list: the served versions with a shipped patch carrying the fix. */
export function affectedDescription(fix: FixMeta): string {
  const shipped = shippedVersions(fix.package, fix.id);
  const span = shipped.length ? `${shipped[0]}–${shipped.at(-1)} (${shipped.length} versions)` : 'none';
  return `Fix ${fix.letter} affects ${fix.package} ${fix.affected}; patches ship for ${span}: ${shipped.join(', ')}`;
}

/** Refuses a version the fix does not affect, or (for a patched run) one no shipped patch carries it for. */
export function checkVersion(fix: FixMeta, version: string, wantsPatched: boolean): void {
  if (!semver.valid(version)) throw new ReproUsageError(`"${version}" is not a version (e.g. 4.6.6). ${affectedDescription(fix)}`);
  if (!semver.satisfies(version, fix.affected))
    throw new ReproUsageError(`${fix.package} ${version} does not have Fix ${fix.letter}'s bug. ${affectedDescription(fix)}`);
  if (wantsPatched && !shippedVersions(fix.package, fix.id).includes(version))
    throw new ReproUsageError(
      `no shipped patch carries Fix ${fix.letter} for ${fix.package} ${version} (run with --variant pristine, or pick a patched version). ${affectedDescription(fix)}`,
    );
}
