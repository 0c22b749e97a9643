import type { AppliedEdit, ApplyResult, Detection, Fix } from '../core/fix.ts';
import { ShapeError } from '../core/errors.ts';

/**
 * Codemod toolkit: AST helpers for JS (raw TypeScript compiler nodes) and Swift
 * (tree-sitter via ast-grep), edits collected on one parse and spliced once, and defineFix(),
 * which turns a fix's analysis and edit into the Fix contract. Imports core only (and the patch
 * writer, for run-fixes.ts).
 */

/** One parse of a target file: what detect() answers, plus what apply() needs when vulnerable. */
export interface Analysis<L> {
  detection: Detection;
  located?: L;
}

/** A fix as written in scripts/fixes/<id>/fix.ts: the metadata, one analysis, one edit. */
export interface FixSpec<L> extends Omit<Fix, 'detect' | 'apply'> {
  analyze(text: string, file: string): Analysis<L>;
  /** Called only when analyze() found the vulnerable shape (with `located`). */
  edit(located: L, text: string, file: string): AppliedEdit;
}

/**
 * detect() is the analysis' detection; apply() refuses loudly on an unknown shape (ShapeError),
 * answers "unchanged" for anything not vulnerable, and edits otherwise — never half an edit.
 */
export function defineFix<L>(spec: FixSpec<L>): Fix {
  const { analyze, edit, ...meta } = spec;
  return {
    ...meta,
    detect: (text, file) => analyze(text, file).detection,
    apply(text, file): ApplyResult {
      const { detection: d, located } = analyze(text, file);
      if (d.status === 'unknown-shape') throw new ShapeError(meta.id, file, d.reason);
      if (d.status !== 'vulnerable' || located === undefined) return { changed: false, status: d.status, reason: d.reason };
      return edit(located, text, file);
    },
  };
}

/** An analysis step's answer: a Detection (stop here) or the located shape. */
export const isDetection = (x: object): x is Detection => 'status' in x && 'reason' in x;
