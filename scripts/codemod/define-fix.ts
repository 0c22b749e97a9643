import type ts from 'typescript';
import type { AppliedEdit, ApplyResult, Detection, Fix, NodeSpan } from '../core/fix.ts';
import { ShapeError } from '../core/errors.ts';
import { topLevelFunctions, type FunctionLike } from './js-ast.ts';

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

/**
 * The one top-level function `name` of a parsed file (a declaration, or a `const` holding one),
 * with its span and `refuse(why)`, an unknown-shape analysis located at it. When the file has none
 * (not affected) or several (unknown shape): the detection to return instead.
 */
export function oneTopLevelFunction<L>(
  sf: ts.SourceFile,
  name: string,
  file: string,
): { fn: FunctionLike; span: NodeSpan; refuse(why: string): Analysis<L> } | { detection: Detection } {
  const found = topLevelFunctions(sf, name);
  if (found.length !== 1)
    return {
      detection: {
        status: found.length === 0 ? 'not-affected' : 'unknown-shape',
        reason: `expected one top-level ${name} function in ${file}, found ${found.length}`,
      },
    };
  const fn = found[0]!;
  const span: NodeSpan = { label: `FunctionDeclaration ${name}`, start: fn.getStart(sf), end: fn.end };
  return {
    fn,
    span,
    refuse: (why) => ({ detection: { status: 'unknown-shape', reason: `${span.label} in ${file}: ${why}`, node: span } }),
  };
}
