/**
 * Patch files: writing unified diffs in patch-package's format (write.ts), parsing and applying
 * them with patch-package's own code (apply.ts), every file-name format and path rebasing
 * (names.ts), and the manifest that lists them with their hashes (manifest.ts).
 * Imports core and infra only.
 */
import { gitBlobId } from '../infra/hash.ts';

/**
 * Writes unified diffs in patch-package's format (git diff with a/node_modules/<pkg>/ paths).
 * Hunks carry no context lines: bundle lines are ~200 KB, and patch-package locates a hunk by
 * its line number and checks the removed lines. A hunk that only inserts gets one leading
 * context line, because patch-package applies a zero-length original range one line early.
 */
export interface FileChange {
  /** Path inside the package, e.g. dist/clerk.js. */
  path: string;
  before: string;
  after: string;
}

interface Lines {
  lines: string[];
  finalNewline: boolean;
}

const toLines = (text: string): Lines => {
  const lines = text.split('\n');
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
};

/** Lines as the diff compares them: a last line without its newline differs from one with it. */
const keyed = (l: Lines): string[] => (l.finalNewline || l.lines.length === 0 ? l.lines : [...l.lines.slice(0, -1), `${l.lines[l.lines.length - 1]}\0`]);

interface Hunk {
  /** 0-based start and length in the original and the new file. */
  a: number;
  aLen: number;
  b: number;
  bLen: number;
}

/** Line-level edit script: common prefix/suffix, then an LCS over what is left. */
export function diffLines(a: string[], b: string[]): Hunk[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  if (A.length === 0 && B.length === 0) return [];
  if (A.length * B.length > 4_000_000) return [{ a: pre, aLen: A.length, b: pre, bLen: B.length }];
  // LCS table (lengths of the common subsequence of A[i:] and B[j:]).
  const W = B.length + 1;
  const t = new Uint32Array((A.length + 1) * W);
  for (let i = A.length - 1; i >= 0; i--)
    for (let j = B.length - 1; j >= 0; j--)
      t[i * W + j] = A[i] === B[j] ? t[(i + 1) * W + j + 1]! + 1 : Math.max(t[(i + 1) * W + j]!, t[i * W + j + 1]!);
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  let open: Hunk | undefined;
  const close = () => {
    if (open) hunks.push(open);
    open = undefined;
  };
  while (i < A.length || j < B.length) {
    if (i < A.length && j < B.length && A[i] === B[j]) {
      close();
      i++;
      j++;
    } else {
      open ??= { a: pre + i, aLen: 0, b: pre + j, bLen: 0 };
      if (j < B.length && (i >= A.length || t[i * W + j + 1]! >= t[(i + 1) * W + j]!)) {
        open.bLen++;
        j++;
      } else {
        open.aLen++;
        i++;
      }
    }
  }
  close();
  return hunks;
}

const range = (start0: number, len: number) => `${len === 0 ? start0 : start0 + 1},${len}`;

export function filePatch(pkgName: string, change: FileChange): string {
  const A = toLines(change.before);
  const B = toLines(change.after);
  const p = `node_modules/${pkgName}/${change.path}`;
  const out = [`diff --git a/${p} b/${p}`, `index ${gitBlobId(change.before)}..${gitBlobId(change.after)} 100644`, `--- a/${p}`, `+++ b/${p}`];
  for (const h0 of diffLines(keyed(A), keyed(B))) {
    const h = { ...h0 };
    let lead: string | undefined;
    if (h.aLen === 0) {
      if (h.a === 0) throw new Error(`${change.path}: insertion at the top of the file is not supported by the patch writer`);
      h.a--;
      h.b--;
      h.aLen++;
      h.bLen++;
      lead = A.lines[h.a]!;
    }
    out.push(`@@ -${range(h.a, h.aLen)} +${range(h.b, h.bLen)} @@`);
    if (lead !== undefined) out.push(` ${lead}`);
    const ctx = lead === undefined ? 0 : 1;
    for (let k = ctx; k < h.aLen; k++) {
      out.push(`-${A.lines[h.a + k]}`);
      if (h.a + k === A.lines.length - 1 && !A.finalNewline) out.push('\\ No newline at end of file');
    }
    for (let k = ctx; k < h.bLen; k++) {
      out.push(`+${B.lines[h.b + k]}`);
      if (h.b + k === B.lines.length - 1 && !B.finalNewline) out.push('\\ No newline at end of file');
    }
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
    const A = a.lines;
    const B = b.lines;
    for (const h of diffLines(keyed(a), keyed(b))) {
      for (let k = 0; k < h.aLen; k++) total += Buffer.byteLength(A[h.a + k]!) + 1;
      for (let k = 0; k < h.bLen; k++) total += Buffer.byteLength(B[h.b + k]!) + 1;
    }
  }
  return total;
}
