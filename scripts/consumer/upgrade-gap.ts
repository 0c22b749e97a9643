import type { FixMeta } from '../core/fix.ts';
import { fixesCovering } from '../codemod/fix-status.ts';
import type { Manifest } from '../patch-file/manifest.ts';
import type { InstalledCopy } from './installed.ts';
import type { OwnedPatch, Ownership } from './ownership.ts';
import { installCommand, usesPatchPackage, type PackageManager } from './package-manager.ts';

/**
 * The gap an upgrade leaves: sync wired a patch for a version that is no longer installed (an
 * automated PR changed package.json and the lockfile, nothing else). Pure: what the postinstall
 * guard and the config plugin say, computed from the ownership record, the installed copies,
 * the manifest and the fixes' metadata (no parser).
 */
export interface InstalledNeed {
  version: string;
  /** Fixes this version still needs (a shipped patch carries them, or its affected range covers the version). */
  still: FixMeta[];
  /** The shipped patch for this version, if one ships. */
  patch: string | undefined;
}

export interface UpgradeGap {
  package: string;
  /** The patches sync wired for versions not installed any more. */
  wired: OwnedPatch[];
  /** The versions installed now that have no patch wired. */
  installed: InstalledNeed[];
  /** Fixes the wired patches carried that no installed version needs any more (fixed upstream). */
  noLonger: FixMeta[];
}

export function upgradeGaps(
  record: Ownership,
  copies: readonly InstalledCopy[],
  manifest: Manifest,
  metasFor: (pkg: string) => FixMeta[],
  pm: PackageManager,
): UpgradeGap[] {
  // patch-package patches a node_modules path; content-store copies are never its targets.
  const reachable = copies.filter((c) => !(usesPatchPackage(pm) && c.inStore));
  const gaps: UpgradeGap[] = [];
  for (const pkg of [...new Set(record.patches.map((p) => p.package))]) {
    const owned = record.patches.filter((p) => p.package === pkg);
    const wired = owned.filter((p) => !reachable.some((c) => c.name === pkg && c.version === p.version));
    if (!wired.length) continue;
    const metas = metasFor(pkg);
    const versions = [...new Set(reachable.filter((c) => c.name === pkg).map((c) => c.version))].filter(
      (v) => !owned.some((p) => p.version === v),
    );
    const installed = versions.map((version): InstalledNeed => {
      const entry = manifest.patches.find((p) => p.package === pkg && p.version === version);
      const still = entry ? metas.filter((m) => entry.fixes.includes(m.id)) : fixesCovering(metas, version);
      return { version, still, patch: entry?.patch };
    });
    const before = new Set(wired.flatMap((p) => p.fixes));
    const noLonger = metas.filter((m) => before.has(m.id) && !installed.some((i) => i.still.includes(m)));
    gaps.push({ package: pkg, wired, installed, noLonger });
  }
  return gaps;
}

const named = (fs: readonly FixMeta[]): string => fs.map((f) => `${f.letter} ${f.id}`).join(', ');

/** The words an app team sees when an upgrade PR's install stops: ours, never the applier's generic advice. */
export function upgradeGapMessage(gaps: readonly UpgradeGap[], pm: PackageManager, toolVersion: string): string {
  const install = installCommand(pm);
  const lines = ['clerk-expo-patches: the Clerk SDK was upgraded, but the patch wired in this app is for the old version.'];
  let unshipped = false;
  for (const g of gaps) {
    const from = g.wired.map((w) => w.version).join(', ');
    const to = g.installed.map((i) => i.version).join(', ') || 'nothing (not installed)';
    lines.push(`  ${g.package} ${from} → ${to}; wired: ${g.wired.map((w) => w.file).join(', ')}`);
    for (const i of g.installed) {
      if (!i.still.length) lines.push(`    ${g.package}@${i.version} needs no fix any more: nothing to patch.`);
      else if (i.patch)
        lines.push(`    ${g.package}@${i.version} still needs ${named(i.still)}; a verified patch ships for it (${i.patch}).`);
      else {
        unshipped = true;
        lines.push(
          `    ${g.package}@${i.version} still needs ${named(i.still)} (their affected ranges cover it), and clerk-expo-patches ${toolVersion} ships no patch for it.`,
        );
      }
    }
    if (g.noLonger.length)
      lines.push(
        `    No longer needed (fixed upstream): ${g.noLonger.map((f) => `${f.letter} ${f.id}${f.fixedUpstreamIn ? ` (fixed in ${f.fixedUpstreamIn})` : ''}`).join(', ')}.`,
      );
  }
  lines.push(
    usesPatchPackage(pm)
      ? 'Nothing was patched: this step runs before patch-package, so node_modules holds the published files; `expo prebuild` refuses to run on them.'
      : 'The new version is installed unpatched; `expo prebuild` refuses to run on it.',
  );
  const wire = `npx clerk-expo-patches sync && ${install}`;
  lines.push(
    unshipped
      ? `Next: update clerk-expo-patches (a release may ship the patch), then \`${wire}\`; or stay on the old version; or \`npx clerk-expo-patches sync --allow-unverified && ${install}\` to build an UNVERIFIED patch from the installed files.`
      : `Next (one command; commit what it changes): ${wire}`,
  );
  return lines.join('\n');
}
