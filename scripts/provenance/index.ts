import { changedDeclarationsJs, changedTokenRuns } from './js.ts';
import type { ChangedRun } from './runs.ts';
import { changedDeclarationsSwift } from './swift.ts';

export type { ChangedRun } from './runs.ts';

/** Changed runs of a patched file, named by the parser of its language. */
export function changedDeclarations(before: string, after: string, file: string): ChangedRun[] {
  if (/\.(c|m)?js$/.test(file)) return changedDeclarationsJs(before, after, file);
  if (file.endsWith('.swift')) return changedDeclarationsSwift(before, after);
  return changedTokenRuns(before, after).map((r) => ({
    ...r,
    container: 'unscoped (no provenance parser for this file type)',
    first: '',
    last: '',
  }));
}

/** Problems when a changed run is not inside one of the allowed declarations. */
export function scopeProblems(file: string, runs: ChangedRun[], allowed: string[]): string[] {
  return runs
    .filter((r) => !allowed.includes(r.container))
    .map((r) =>
      r.first !== r.last
        ? `${file}: a change runs from ${r.first} to ${r.last} (offsets ${r.start}–${r.end}); the fix may only touch ${allowed.join(', ')}`
        : `${file}: change in ${r.container} (offsets ${r.start}–${r.end}), outside ${allowed.join(', ')}`,
    );
}
