import semver from 'semver';
import type { Detection, FixMeta, Status } from '../core/fix.ts';

/** Pure answers about fixes and their detections: no parser, no codemod loaded. */

/** The fixes whose affected range covers a version (metadata or full fixes alike). */
export const fixesCovering = <F extends FixMeta>(fixes: readonly F[], version: string): F[] =>
  fixes.filter((f) => semver.satisfies(version, f.affected));

export interface FixDetection {
  fix: string;
  file: string;
  detection: Detection;
}

/** One status for a version from per-file detections: the worst wins. */
export function summarize(ds: FixDetection[]): Status {
  const has = (s: Status) => ds.some((d) => d.detection.status === s);
  if (has('vulnerable')) return 'vulnerable';
  if (has('unknown-shape')) return 'unknown-shape';
  if (ds.length > 0 && ds.every((d) => d.detection.status === 'patched')) return 'patched';
  if (has('patched')) return 'patched';
  if (has('fixed-upstream')) return 'fixed-upstream';
  return 'not-affected';
}
