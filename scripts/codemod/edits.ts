/** Text edits against one original text, committed all at once; overlapping edits are a codemod bug. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

export function splice(text: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.end > limit) throw new Error('overlapping edits');
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}
