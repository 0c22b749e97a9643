/**
 * Patch files: writing unified diffs in patch-package's format (write.ts, diff-lines.ts), parsing
 * and applying them with patch-package's own code (apply.ts), every file-name format and path
 * rebasing (names.ts), and the manifest that lists them with their hashes (manifest.ts).
 * Imports core and infra only.
 */
import { gitBlobId } from '../infra/hash.ts';
import { diffLines, keyed, toLines, type Hunk, type Lines } from './diff-lines.ts';

/**
 * Writes unified diffs in patch-package's format (git diff with a/node_modules/<pkg>/ paths), with
 * symmetric context as `git diff` writes it: every hunk carries the same number of unchanged lines
 * before and after its edits, cut short only by the start or end of the file, and edits closer
 * than twice that share one hunk. GNU patch (no fuzz) and `git apply` (no --unidiff-zero) then
 * place every hunk exactly where patch-package does: a hunk with less context on one side is
 * anchored to that end of the file, which is right only at a real end of the file.
 */
export interface FileChange {
  /** Path inside the package, e.g. dist/clerk.js. */
  path: string;
  before: string;
  after: string;
}

/** git's default number of context lines. */
export const DEFAULT_CONTEXT = 3;
/** The fewest context lines a hunk may carry: with none, `git apply` wants --unidiff-zero. */
export const MIN_CONTEXT = 1;
/** Context a file may always afford, whatever its edits weigh (the small files: Swift bridges, ClerkProvider.js). */
export const CONTEXT_ALLOWANCE_BYTES = 4096;
/** Beyond the allowance, context may add this share of the edited lines' bytes (the ≤ 1.05× floor goal of the bundles). */
export const CONTEXT_SHARE_OF_FLOOR = 0.05;

interface Group {
  /** 0-based first line and length of the hunk in the original and new file, context included. */
  a: number;
  aLen: number;
  b: number;
  bLen: number;
  edits: Hunk[];
}

/** Groups the edits into hunks with `context` lines on each side (fewer only at the file's ends). */
export function groupHunks(edits: Hunk[], aLines: number, context: number): Group[] {
  const groups: Group[] = [];
  for (const e of edits) {
    const last = groups[groups.length - 1];
    const prev = last?.edits[last.edits.length - 1];
    if (last && prev && e.a - (prev.a + prev.aLen) <= 2 * context) last.edits.push(e);
    else groups.push({ a: 0, aLen: 0, b: 0, bLen: 0, edits: [e] });
  }
  for (const g of groups) {
    const first = g.edits[0]!;
    const last = g.edits[g.edits.length - 1]!;
    const lead = Math.min(context, first.a);
    const trail = Math.min(context, aLines - (last.a + last.aLen));
    g.a = first.a - lead;
    g.b = first.b - lead;
    g.aLen = last.a + last.aLen + trail - g.a;
    g.bLen = last.b + last.bLen + trail - g.b;
  }
  return groups;
}

/** Bytes the context lines of a file's hunks take in the patch (the ' ' prefix and newline included). */
function contextBytes(A: Lines, edits: Hunk[], context: number): number {
  let total = 0;
  for (const g of groupHunks(edits, A.lines.length, context)) {
    let k = g.a;
    for (const e of g.edits) {
      for (; k < e.a; k++) total += Buffer.byteLength(A.lines[k]!) + 2;
      k = e.a + e.aLen;
    }
    for (; k < g.a + g.aLen; k++) total += Buffer.byteLength(A.lines[k]!) + 2;
  }
  return total;
}

const editBytes = (A: Lines, B: Lines, edits: Hunk[]): number => {
  let total = 0;
  for (const e of edits) {
    for (let k = 0; k < e.aLen; k++) total += Buffer.byteLength(A.lines[e.a + k]!) + 1;
    for (let k = 0; k < e.bLen; k++) total += Buffer.byteLength(B.lines[e.b + k]!) + 1;
  }
  return total;
};

/**
 * Context lines for one file: git's default (3) when its context fits the allowance (4 KB, or 5%
 * of the edited lines' bytes when that is more), else the most that fits, never fewer than 1.
 * Bundles whose edited line is ~200 KB keep 3 lines when their neighbours are short and drop to
 * fewer when the neighbours are long too.
 */
export function contextFor(A: Lines, B: Lines, edits: Hunk[]): number {
  const budget = Math.max(CONTEXT_ALLOWANCE_BYTES, CONTEXT_SHARE_OF_FLOOR * editBytes(A, B, edits));
  for (let c = DEFAULT_CONTEXT; c > MIN_CONTEXT; c--) if (contextBytes(A, edits, c) <= budget) return c;
  return MIN_CONTEXT;
}

/** git's range: `start,len` (1-based), `start` alone when len is 1, the line before when len is 0. */
const range = (start0: number, len: number) => (len === 1 ? `${start0 + 1}` : `${len === 0 ? start0 : start0 + 1},${len}`);

export function filePatch(pkgName: string, change: FileChange, context?: number): string {
  const A = toLines(change.before);
  const B = toLines(change.after);
  const p = `node_modules/${pkgName}/${change.path}`;
  const out = [
    `diff --git a/${p} b/${p}`,
    `index ${gitBlobId(change.before)}..${gitBlobId(change.after)} 100644`,
    `--- a/${p}`,
    `+++ b/${p}`,
  ];
  const edits = diffLines(keyed(A), keyed(B));
  const c = context ?? contextFor(A, B, edits);
  const noEol = (l: Lines, i: number) => i === l.lines.length - 1 && !l.finalNewline;
  const line = (prefix: string, l: Lines, i: number) => {
    out.push(`${prefix}${l.lines[i]}`);
    if (noEol(l, i)) out.push('\\ No newline at end of file');
  };
  for (const g of groupHunks(edits, A.lines.length, c)) {
    out.push(`@@ -${range(g.a, g.aLen)} +${range(g.b, g.bLen)} @@`);
    let k = g.a;
    for (const e of g.edits) {
      for (; k < e.a; k++) line(' ', A, k);
      for (let i = 0; i < e.aLen; i++) line('-', A, e.a + i);
      for (let i = 0; i < e.bLen; i++) line('+', B, e.b + i);
      k = e.a + e.aLen;
    }
    for (; k < g.a + g.aLen; k++) line(' ', A, k);
  }
  return out.join('\n') + '\n';
}

/** A whole patch file: one section per changed file, in path order. */
export function writePatch(pkgName: string, changes: FileChange[]): string {
  return [...changes]
    .sort((x, y) => (x.path < y.path ? -1 : 1))
    .filter((c) => c.before !== c.after)
    .map((c) => filePatch(pkgName, c))
    .join('');
}

/** The floor for patch size: the original plus new text of every edited line. */
export function editedLinesFloor(changes: FileChange[]): number {
  let total = 0;
  for (const c of changes) {
    const a = toLines(c.before);
    const b = toLines(c.after);
    total += editBytes(a, b, diffLines(keyed(a), keyed(b)));
  }
  return total;
}
