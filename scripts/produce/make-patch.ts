/**
 * Producer (this repository's maintainers): npm registry tarballs (npm-registry.ts, tar.ts) →
 * codemods → patch (make-patch.ts) → manifest and README table (readme-table.ts); verify walks
 * back from the shipped patch (verify-version.ts). Per-version work runs on worker threads
 * (jobs.ts, the one module here that knows the list of fixes). Heavy tools are fine here.
 */
import { fetchPackage } from './npm-registry.ts';
import { buildPatch } from '../codemod/run-fixes.ts';
import { applyWithPatchPackage } from '../patch-file/apply.ts';
import { sha256 } from '../infra/hash.ts';
import { patchFileName } from '../patch-file/names.ts';
import { memoAsync } from '../infra/memo-cache.ts';
import type { Fix } from '../core/fix.ts';
import type { ManifestEntry } from '../patch-file/manifest.ts';

export interface VersionPatch {
  entry: ManifestEntry;
  patch: string;
  letters: string;
}

/**
 * One package version: pristine tarball → patch, applied back with patch-package to prove it
 * reproduces the codemod output, plus its manifest entry. Undefined when no fix covers it.
 * With `memo` (the registry's own fixes only), the result is kept on disk by tarball integrity
 * and codemod sources, so verify and a second generate reuse it (memo-cache.ts).
 */
export async function makeVersionPatch(
  name: string,
  version: string,
  integrity: string,
  fixes: readonly Fix[],
  opts: { memo?: boolean } = {},
): Promise<VersionPatch | undefined> {
  if (opts.memo) {
    const r = await memoAsync(
      'builds',
      [name, version, integrity],
      async () => (await makeVersionPatch(name, version, integrity, fixes)) ?? null,
    );
    return r ?? undefined;
  }
  const pkg = await fetchPackage(name, version, integrity);
  const built = buildPatch(pkg, fixes);
  if (!built) return undefined;
  const applied = applyWithPatchPackage(name, built.patch, (p) => pkg.read(p));
  for (const f of built.files) {
    if (applied.get(f.path) !== f.after)
      throw new Error(
        `${name}@${version}: the generated patch does not reproduce the codemod output for ${f.path} when patch-package applies it`,
      );
  }
  const afterApply = [...new Set(built.fixes.map((f) => f.afterApply).filter((s): s is string => !!s))].join(' ');
  return {
    patch: built.patch,
    letters: built.fixes.map((f) => f.letter).join('+'),
    entry: {
      package: name,
      version,
      patch: patchFileName(name, version),
      fixes: built.fixes.map((f) => f.id),
      integrity,
      patchSha256: sha256(built.patch),
      ...(afterApply ? { afterApply } : {}),
      files: built.files.map((f) => ({ path: f.path, fixes: f.fixes, nodes: f.nodes, before: sha256(f.before), after: sha256(f.after) })),
    },
  };
}
