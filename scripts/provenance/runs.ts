/**
 * Provenance: which declarations a patch really changed. Pristine and patched text are compared
 * token by token inside each changed line range (js.ts: TypeScript's scanner; swift.ts:
 * tree-sitter leaves); each changed token run is named by the innermost declaration of the
 * patched AST that contains it. A patch is AST-scoped when every changed run sits inside a
 * declaration its fix is allowed to touch. index.ts picks the language by file name.
 */
export interface ChangedRun {
  /** Offsets in the patched text. */
  start: number;
  end: number;
  /** Innermost declaration containing the whole run. */
  container: string;
  /** Innermost declarations containing the first and the last changed token. */
  first: string;
  last: string;
}

/**
 * The tokens two sides share at the front (p) and at the back (q) of one changed line range;
 * what lies between is the changed run. p === a.length === b.length: only whitespace or
 * comments changed.
 */
export function trimCommon<T>(
  a: readonly T[],
  b: readonly T[],
  same: (x: T | undefined, y: T | undefined) => boolean,
): { p: number; q: number } {
  let p = 0;
  while (same(a[p], b[p])) p++;
  let q = 0;
  while (q < a.length - p && q < b.length - p && same(a[a.length - 1 - q], b[b.length - 1 - q])) q++;
  return { p, q };
}
