import type { PackageSnapshot } from '../core/fix.ts';
import { BRIDGE_FILES } from '../core/targets.ts';

/** The bridge file this version ships, or [] (3.0.x has none: nothing to patch). */
export function bridgeTargets(pkg: PackageSnapshot): string[] {
  const found = BRIDGE_FILES.find((f) => pkg.files.includes(f));
  return found ? [found] : [];
}
