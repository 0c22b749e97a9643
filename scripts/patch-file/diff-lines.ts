/** Line-level diff shared by the patch writer, the size floor and provenance. */

export interface Lines {
  lines: string[];
  /** Whether the text ends with a newline (then the last, empty element of split('\n') is dropped). */
  finalNewline: boolean;
}

export const toLines = (text: string): Lines => {
  const lines = text.split('\n');
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
};

/** Lines as the diff compares them: a last line without its newline differs from one with it. */
export const keyed = (l: Lines): string[] =>
  l.finalNewline || l.lines.length === 0 ? l.lines : [...l.lines.slice(0, -1), `${l.lines[l.lines.length - 1]}\0`];

export interface Hunk {
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
