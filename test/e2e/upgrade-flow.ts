import fs from 'node:fs';
import path from 'node:path';
import type { CheckReport } from '../../scripts/commands/check.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { appDevDependencies, writeJson, type RunResult } from './helpers.ts';

/**
 * The app and the upgrade PR both the e2e suite and `npm run compat` run: an app on
 * @clerk/clerk-js 6.7.1 + @clerk/expo 3.2.7 with the packed clerk-expo-patches as a
 * devDependency; the PR bumps @clerk/expo to 3.2.8 the way Renovate and Dependabot do
 * (package.json and the lockfile, nothing else) and CI installs it from a clean checkout.
 */
export const APP_DEPENDENCIES = { '@clerk/clerk-js': '6.7.1', '@clerk/expo': '3.2.7' } as const;
export const PR_BUMP = { '@clerk/expo': '3.2.8' } as const;

const manifest = readManifest();
const shipped = (name: string, version: string) => manifest.patches.some((p) => p.package === name && p.version === version);
/** The flow needs shipped patches for both sides of the bump; says what to run when the manifest lacks them. */
export function assertFlowPatchesShip(): void {
  if (!shipped('@clerk/expo', '3.2.7') || !shipped('@clerk/expo', '3.2.8') || !shipped('@clerk/clerk-js', '6.7.1'))
    throw new Error(
      'the upgrade flow needs shipped patches for @clerk/expo 3.2.7 and 3.2.8 and @clerk/clerk-js 6.7.1: run `npm run patches`',
    );
}

/** Words for people go to stdout or stderr depending on the command: match either. */
export const said = (r: RunResult): string => `${r.stdout}\n${r.stderr}`;

export function writeApp(dir: string, tarball: string, name = 'cep-upgrade-app'): void {
  writeJson(path.join(dir, 'package.json'), {
    name,
    version: '1.0.0',
    private: true,
    dependencies: { ...APP_DEPENDENCIES },
    devDependencies: appDevDependencies(tarball),
  });
}

/** Edits package.json the way the bot does: only the dependency versions. */
export function bump(dir: string, deps: Record<string, string>): void {
  const file = path.join(dir, 'package.json');
  const pj = JSON.parse(fs.readFileSync(file, 'utf8')) as { dependencies: Record<string, string> };
  writeJson(file, { ...pj, dependencies: { ...pj.dependencies, ...deps } });
}

export const cleanCheckout = (dir: string): Promise<void> =>
  fs.promises.rm(path.join(dir, 'node_modules'), { recursive: true, force: true });

/** The lines of our message, wherever the package manager put them (yarn berry prefixes each line). */
export function ours(r: RunResult): string[] {
  return said(r)
    .split('\n')
    .filter((l) => /clerk-expo-patches|→|still needs|needs no fix|No longer needed|Nothing was patched|installed unpatched|Next/.test(l));
}

/**
 * What the CI install of the 3.2.7 → 3.2.8 PR must print, in our words (never patch-package's or
 * pnpm's advice): the list of what it misses, empty when all is there.
 */
export function guardProblems(r: RunResult, command: string): string[] {
  const text = said(r);
  const problems: string[] = [];
  if (r.status === 0) problems.push('the CI install exited 0');
  const want: Array<[string, RegExp]> = [
    ['names the bump', /@clerk\/expo 3\.2\.7 → 3\.2\.8/],
    [
      'names what 3.2.8 still needs',
      /@clerk\/expo@3\.2\.8 still needs B ios-configure-waits-for-session, C ios-keep-cache-on-first-launch, H singleton-latest-token-cache, F token-cache-keeps-session-on-read-error, J load-retries-unanswered-requests, K session-token-rejection-rereads-client, S offline-sign-out-forgets-client, P proxy-change-keeps-client; a verified patch ships for it/,
    ],
    ['names what upstream fixed', /No longer needed \(fixed upstream\): D native-signout-after-load \(fixed in 3\.2\.8\)\./],
  ];
  for (const [what, re] of want) if (!re.test(text)) problems.push(`our message ${what} is missing`);
  if (!text.includes(`Next (one command; commit what it changes): npx clerk-expo-patches sync && ${command}`))
    problems.push(`the one command (npx clerk-expo-patches sync && ${command}) is missing`);
  const foreign = /no longer necessary|Just delete it|ERR_PNPM_UNUSED_PATCH|ERR_PNPM_PATCH_NOT_APPLIED/.exec(text);
  if (foreign) problems.push(`another tool's advice came first: ${foreign[0]}`);
  return problems;
}

/** The top-level copies `check` must report: each at its version, patched. Empty when they are. */
export function patchedProblems(report: CheckReport, expected: Record<string, string>): string[] {
  return Object.entries(expected).flatMap(([pkg, version]) => {
    const row = report.results.find((r) => r.package === pkg && r.path === `node_modules/${pkg}`);
    return row?.installed === version && row.status === 'patched'
      ? []
      : [`${pkg}: ${row ? `${row.installed} ${row.status}` : 'no top-level copy'} (expected ${version} patched)`];
  });
}
