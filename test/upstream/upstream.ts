import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { ShapeError, ToolError } from '../../scripts/core/errors.ts';
import { CLASSIFY_RANGE, TARGET_PACKAGES } from '../../scripts/core/targets.ts';
import { FIXES, fixesFor } from '../../scripts/fixes/index.ts';
import { byPackageVersion, renderDocs } from '../../scripts/commands/generate.ts';
import { resetConfig } from '../../scripts/infra/config.ts';
import { ROOT } from '../../scripts/infra/paths.ts';
import { say, ms } from '../../scripts/infra/progress.ts';
import { manifestText, readManifest, type Manifest } from '../../scripts/patch-file/manifest.ts';
import { listVersions } from '../../scripts/produce/npm-registry.ts';
import { runJob } from '../../scripts/produce/jobs.ts';
import { Staging } from './staging.ts';
import { runMatrixRow } from './matrix-row.ts';
import { toolchainNews } from './toolchains.ts';
import { renderReport } from './report.ts';
import type { NewVersion, UpstreamResult } from './types.ts';

export type { NewVersion, Refusal, UpstreamResult } from './types.ts';

/**
 * `npm run upstream`: turns the registry's new @clerk/expo 3.x/4.x and @clerk/clerk-js 6.x
 * versions into a verified change. For every version the manifest does not know: classify it,
 * generate and verify its patch (the same jobs generate and verify run), run its session-matrix
 * row pristine and patched (test/matrix/run.ts), then regenerate the manifest (patches and
 * `known` hashes), the README table, docs/versions.md and the matrix docs and pictures — all in
 * a staging area, written to the repository only when every step passed. Writes the report
 * (upstream-report.md, the pull request's body) in every case.
 *
 * Exit 0: nothing new. 1: new versions, all handled and written. 2: a codemod refused, a
 * verification or a matrix cell failed, or the registry failed (down, timeout, integrity):
 * nothing written.
 */
export interface UpstreamOptions {
  /** The registry to ask (default: CLERK_EXPO_PATCHES_REGISTRY or the npm registry). */
  registry?: string;
  json?: boolean;
  /** The session-matrix scenarios of each new row (default: every scenario). */
  scenarios?: string[];
  /** Where the report goes (default: upstream-report.md in the repository root). */
  report?: string;
  /** The repository (default: the one this file is in). */
  root?: string;
}

/** The repository files the command may change. */
const OWNED = [
  'patches',
  'README.md',
  'docs/versions.md',
  'docs/session-matrix.json',
  'docs/session-matrix.md',
  'docs/session-matrix.svg',
  'docs/session-matrix-clerk-js.svg',
];

export async function upstream(opts: UpstreamOptions = {}): Promise<UpstreamResult> {
  const t0 = performance.now();
  const root = opts.root ?? ROOT;
  if (opts.registry) {
    // The matrix's child processes and the dependency-set installs read the same setting.
    process.env.CLERK_EXPO_PATCHES_REGISTRY = opts.registry;
    resetConfig();
  }
  const registry = opts.registry ?? process.env.CLERK_EXPO_PATCHES_REGISTRY ?? 'https://registry.npmjs.org/';
  const result: UpstreamResult = { exitCode: 0, registry, versions: [], written: [], seconds: 0, scenarios: opts.scenarios };
  const finish = (r: UpstreamResult) => {
    r.seconds = Math.round((performance.now() - t0) / 1000);
    fs.writeFileSync(opts.report ?? path.join(root, 'upstream-report.md'), renderReport(r));
    return r;
  };
  let staging: Staging | undefined;
  try {
    const manifest = readManifest(path.join(root, 'patches', 'manifest.json'));
    for (const name of TARGET_PACKAGES) {
      const known = new Set([
        ...manifest.patches.filter((p) => p.package === name).map((p) => p.version),
        ...Object.keys(manifest.known?.[name] ?? {}),
      ]);
      const served = (await listVersions(name, { online: true })).filter((v) => semver.satisfies(v.version, CLASSIFY_RANGE[name]));
      const fresh = served.filter((v) => !known.has(v.version));
      say(
        `${name}: ${served.length} version(s) served in ${CLASSIFY_RANGE[name]}, ${fresh.length} new${fresh.length ? `: ${fresh.map((v) => v.version).join(', ')}` : ''}`,
      );
      for (const v of fresh) result.versions.push({ package: name, version: v.version, problems: [], refusals: [], row: [] });
      for (const nv of result.versions.filter((x) => x.package === name)) {
        const integrity = fresh.find((v) => v.version === nv.version)!.integrity;
        await handle(nv, integrity);
      }
    }
    result.toolchains = await toolchainNews(root);
    if (result.versions.length === 0) return finish(result);
    if (result.versions.some(failed)) return finish({ ...result, exitCode: 2 });

    staging = new Staging(root, OWNED);
    const next = nextManifest(manifest, result.versions);
    for (const nv of result.versions) if (nv.patch) staging.write(path.join('patches', nv.patch.entry.patch), nv.patch.text);
    // The staged patches, verified from the other end, exactly as verify proves a shipped one.
    for (const nv of result.versions.filter((x) => x.patch)) {
      const entry = nv.patch!.entry;
      say(`${nv.package}@${nv.version}: verifying ${entry.patch}`);
      const verified = await runJob('verifyVersion', {
        name: nv.package,
        version: nv.version,
        integrity: entry.integrity,
        entry,
        shipped: true,
        patchesDir: staging.at('patches'),
        fixIds: fixesFor(nv.package).map((f) => f.id),
      });
      nv.problems.push(...(verified.problems ?? []));
    }
    staging.write('patches/manifest.json', manifestText(next));
    const docs = renderDocs(next, FIXES, path.join(root, 'README.md'), path.join(root, 'docs', 'versions.md'));
    staging.write('README.md', docs.readmeText);
    staging.write('docs/versions.md', docs.versionsText);
    if (result.versions.some(failed)) return finish({ ...result, exitCode: 2 });

    // The new rows of the session matrix, pristine and patched, on the staged patches and docs.
    for (const table of ['expo', 'clerk-js'] as const) {
      const rows = result.versions.filter((x) => (table === 'expo') === (x.package === '@clerk/expo'));
      if (!rows.length) continue;
      say(`session matrix: ${table} row(s) for ${rows.map((x) => x.version).join(', ')}`);
      const cells = await runMatrixRow({
        table,
        versions: rows.map((x) => x.version),
        scenarios: table === 'expo' ? opts.scenarios : undefined,
        patchesDir: staging.at('patches'),
        docsDir: staging.at('docs'),
      });
      for (const nv of rows) nv.row = cells.filter((c) => c.version === nv.version);
    }
    if (result.versions.some(failed)) return finish({ ...result, exitCode: 2 });

    result.written = staging.commit();
    say(`upstream: ${result.versions.length} new version(s) handled; wrote ${result.written.length} file(s) in ${ms(t0)}`);
    return finish({ ...result, exitCode: 1 });
  } catch (err) {
    // Registry failures (ToolError) say what to do next; anything else is reported with its stack: a person must look.
    const message = err instanceof ToolError ? err.message : ((err as Error).stack ?? String(err));
    say(`upstream: ${message}`);
    return finish({ ...result, exitCode: 2, error: message });
  } finally {
    staging?.discard();
  }
}

/** A version a person must look at: a refusal, a verification problem, or a matrix cell that errored. */
export const failed = (nv: NewVersion): boolean =>
  nv.refusals.length > 0 || nv.problems.length > 0 || nv.row.some((c) => c.result === 'error');

/** Classify a new version, then build its patch (a codemod's ShapeError is a refusal, with its anchor). */
async function handle(nv: NewVersion, integrity: string): Promise<void> {
  const fixIds = fixesFor(nv.package).map((f) => f.id);
  const input = { name: nv.package, version: nv.version, integrity, fixIds };
  nv.classified = await runJob('verifyVersion', { ...input, entry: undefined, shipped: false, patchesDir: '' });
  say(`${nv.package}@${nv.version}: ${nv.classified.fixes.map((f) => `${f.letter} ${f.status}`).join(', ')}`);
  for (const f of nv.classified.fixes.filter((x) => x.status === 'unknown-shape')) {
    const reason = nv.classified.problems
      ?.join('; ')
      .split('; ')
      .find((p) => p.startsWith(`${f.id}:`));
    nv.refusals.push({ fixId: f.id, letter: f.letter, file: '', anchor: reason?.slice(f.id.length + 2) ?? 'unknown shape' });
  }
  try {
    const built = await runJob('makeVersionPatch', input);
    if (built) nv.patch = { entry: built.entry, text: built.patch, letters: built.letters };
    say(`${nv.package}@${nv.version}: ${built ? `patch ${built.letters} on ${built.entry.files.length} file(s)` : 'no fix covers it'}`);
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    const letter = FIXES.find((f) => f.id === err.fixId)?.letter ?? '?';
    // The classification may already name this refusal (detect() and apply() share one analysis).
    const same = nv.refusals.find((r) => r.fixId === err.fixId);
    if (same) Object.assign(same, { file: err.file, anchor: err.expected });
    else nv.refusals.push({ fixId: err.fixId, letter, file: err.file, anchor: err.expected });
    say(`${nv.package}@${nv.version}: Fix ${letter} (${err.fixId}) refused: ${err.expected}`);
  }
  if (!nv.refusals.length && nv.classified.problems?.length && !nv.patch) nv.problems.push(...nv.classified.problems);
  // What check may answer by hash: the fixes the patch does not carry (every fix, with no patch), as generate records.
  if (!nv.refusals.length) {
    const kv = await runJob('knownVersion', { ...input, entry: nv.patch?.entry });
    if (kv) nv.known = kv;
  }
}

/** The manifest with the new versions: their patches in order, their `known` hashes where they have any. */
function nextManifest(manifest: Manifest, versions: NewVersion[]): Manifest {
  const patches = [...manifest.patches, ...versions.flatMap((v) => (v.patch ? [v.patch.entry] : []))].sort(byPackageVersion);
  const known: NonNullable<Manifest['known']> = {};
  for (const name of [...new Set([...Object.keys(manifest.known ?? {}), ...versions.map((v) => v.package)])].sort()) {
    const table = { ...(manifest.known?.[name] ?? {}) };
    for (const v of versions.filter((x) => x.package === name && x.known)) table[v.version] = v.known!;
    if (Object.keys(table).length)
      known[name] = Object.fromEntries(
        Object.keys(table)
          .sort(semver.compare)
          .map((v) => [v, table[v]!]),
      );
  }
  return { schema: 1, patches, ...(Object.keys(known).length ? { known } : {}) };
}
