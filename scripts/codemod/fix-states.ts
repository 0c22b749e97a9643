import type { FixMeta, Status } from '../core/fix.ts';
import type { FixState } from '../core/report.ts';
import { summarize, type FixDetection } from './fix-status.ts';

/** A fix's entry in a report, with its own status. */
export const fixState = (fix: FixMeta, status: Status, patch?: string | null): FixState => ({
  id: fix.id,
  letter: fix.letter,
  status,
  fixedUpstreamIn: fix.fixedUpstreamIn,
  ...(patch ? { patch } : {}),
});

/** Each fix's own status from per-file detections (a fix with no target file here is not-affected). */
export function fixStates(
  fixes: readonly FixMeta[],
  ds: readonly FixDetection[],
  patchFor: (fix: FixMeta, status: Status) => string | null = () => null,
): FixState[] {
  return fixes.map((f) => {
    const status = summarize(ds.filter((d) => d.fix === f.id));
    return fixState(f, status, patchFor(f, status));
  });
}
