import type { Fix } from '../core/fix.ts';
import { detectAll } from '../codemod/run-fixes.ts';
import { fixStates } from '../codemod/fix-states.ts';
import { cachedDetect } from '../infra/detect-cache.ts';
import { sha256 } from '../infra/hash.ts';
import { memoAsync } from '../infra/memo-cache.ts';
import type { KnownVersion, ManifestEntry } from '../patch-file/manifest.ts';
import { fetchPackage } from './npm-registry.ts';

/**
 * What the consumer may answer by hash for a served version, with no parser: the sha256 of every
 * target file of each fix its patch does not carry (all fixes, for a version no patch targets),
 * and that fix's status there — only fixed-upstream or not-affected, the verdicts that need no
 * patch. Files a patch edits are left out (an installed, patched copy no longer has their
 * published bytes), and so is every fix that targets one. Undefined when nothing is left to record.
 * Memoised by tarball integrity, the patch and the fixes (the memo key also covers the code).
 */
export function knownVersion(
  name: string,
  version: string,
  integrity: string,
  fixes: readonly Fix[],
  entry: ManifestEntry | undefined,
): Promise<KnownVersion | undefined> {
  return memoAsync('known', [name, version, integrity, entry?.patchSha256 ?? '-', ...fixes.map((f) => f.id)], async () => {
    const pkg = await fetchPackage(name, version, integrity);
    const edited = new Set(entry?.files.map((f) => f.path) ?? []);
    const others = fixes.filter((f) => !entry?.fixes.includes(f.id));
    const ds = detectAll(pkg, others, undefined, cachedDetect);
    const states = fixStates(others, ds);
    const out: KnownVersion = { fixes: {}, files: {} };
    for (const fix of others) {
      const mine = ds.filter((d) => d.fix === fix.id);
      const status = states.find((s) => s.id === fix.id)!.status;
      if (status !== 'fixed-upstream' && status !== 'not-affected') continue;
      if (mine.some((d) => edited.has(d.file))) continue;
      out.fixes[fix.id] = status;
      for (const d of mine) {
        const text = pkg.read(d.file);
        if (text !== undefined) out.files[d.file] = sha256(text);
      }
    }
    if (Object.keys(out.fixes).length === 0) return undefined;
    out.files = Object.fromEntries(Object.entries(out.files).sort(([a], [b]) => (a < b ? -1 : 1)));
    return out;
  });
}
