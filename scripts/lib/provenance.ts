import { ts } from 'ts-morph';
import { diffLines } from './patch-format.ts';
import { labelJs, parseJs, pathTo } from './js-ast.ts';
import { changedDeclarationsSwift } from './provenance-swift.ts';

/**
 * Provenance: which declarations a patch really changed. Pristine and patched text are compared
 * token by token (TypeScript's scanner) inside each changed line range; each changed token run
 * is then named by the innermost declaration of the patched AST that contains it. A patch is
 * AST-scoped when every changed run sits inside a declaration its fix is allowed to touch.
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

interface Tok {
  kind: ts.SyntaxKind;
  text: string;
  pos: number;
}

/** Tokens that may precede an expression: after them a "/" starts a regular expression. */
const EXPRESSION_START = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.OpenParenToken, ts.SyntaxKind.OpenBracketToken, ts.SyntaxKind.OpenBraceToken, ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.CommaToken, ts.SyntaxKind.SemicolonToken, ts.SyntaxKind.ColonToken, ts.SyntaxKind.QuestionToken,
  ts.SyntaxKind.EqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.ExclamationToken, ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.EqualsGreaterThanToken,
  ts.SyntaxKind.LessThanToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.AmpersandToken, ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.TildeToken, ts.SyntaxKind.ReturnKeyword, ts.SyntaxKind.TypeOfKeyword, ts.SyntaxKind.CaseKeyword, ts.SyntaxKind.DeleteKeyword,
  ts.SyntaxKind.VoidKeyword, ts.SyntaxKind.ThrowKeyword, ts.SyntaxKind.InKeyword, ts.SyntaxKind.NewKeyword, ts.SyntaxKind.DotDotDotToken,
  ts.SyntaxKind.TemplateHead, ts.SyntaxKind.TemplateMiddle,
]);

/**
 * The file's tokens with the rescans the parser would do: template continuations after the
 * "}" that closes a "${", and regular expressions where an expression may start. (A plain
 * context-free scan swallows the rest of a bundle into one template token.)
 */
function tokens(text: string): Tok[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const out: Tok[] = [];
  const braces: ('template' | 'brace')[] = [];
  let prev: ts.SyntaxKind = ts.SyntaxKind.SemicolonToken;
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (k === ts.SyntaxKind.CloseBraceToken && braces.pop() === 'template') k = scanner.reScanTemplateToken(false);
    else if ((k === ts.SyntaxKind.SlashToken || k === ts.SyntaxKind.SlashEqualsToken) && EXPRESSION_START.has(prev)) k = scanner.reScanSlashToken();
    if (k === ts.SyntaxKind.OpenBraceToken) braces.push('brace');
    else if (k === ts.SyntaxKind.TemplateHead || k === ts.SyntaxKind.TemplateMiddle) braces.push('template');
    out.push({ kind: k, text: scanner.getTokenText(), pos: scanner.getTokenStart() });
    prev = k;
  }
  return out;
}

const lineStarts = (text: string): number[] => {
  const s = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) s.push(i + 1);
  return s;
};

/** Token runs that differ between `before` and `after`, in `after` offsets. */
/** Token runs that differ between `before` and `after`, in `after` offsets: one per changed line range. */
export function changedTokenRuns(before: string, after: string): { start: number; end: number }[] {
  const la = lineStarts(before);
  const lb = lineStarts(after);
  const TA = tokens(before);
  const TB = tokens(after);
  const within = (T: Tok[], from: number, to: number) => T.filter((t) => t.pos >= from && t.pos < to);
  const same = (x: Tok | undefined, y: Tok | undefined) => !!x && !!y && x.kind === y.kind && x.text === y.text;
  const runs: { start: number; end: number }[] = [];
  for (const h of diffLines(before.split('\n'), after.split('\n'))) {
    const ta = within(TA, la[h.a] ?? before.length, la[h.a + h.aLen] ?? before.length);
    const b0 = lb[h.b] ?? after.length;
    const tb = within(TB, b0, lb[h.b + h.bLen] ?? after.length);
    let p = 0;
    while (same(ta[p], tb[p])) p++;
    let q = 0;
    while (q < ta.length - p && q < tb.length - p && same(ta[ta.length - 1 - q], tb[tb.length - 1 - q])) q++;
    if (p === ta.length && p === tb.length) continue; // whitespace or comments only
    const first = tb[p];
    const last = tb.length - q > p ? tb[tb.length - 1 - q] : undefined;
    const start = first ? first.pos : (tb[p - 1] ? tb[p - 1]!.pos + tb[p - 1]!.text.length : b0);
    runs.push({ start, end: last ? last.pos + last.text.length : start });
  }
  return runs;
}

export function changedDeclarationsJs(before: string, after: string, file: string): ChangedRun[] {
  const runs = changedTokenRuns(before, after);
  if (runs.length === 0) return [];
  const sf = parseJs(after, file);
  const at = (s: number, e: number) => labelJs(pathTo(sf, s, Math.max(e, s + 1)), sf);
  return runs.map((r) => ({ ...r, container: at(r.start, r.end), first: at(r.start, r.start + 1), last: at(Math.max(r.start, r.end - 1), r.end) }));
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

/** Changed runs of a patched file, named by the parser of its language. */
export function changedDeclarations(before: string, after: string, file: string): ChangedRun[] {
  if (/\.(c|m)?js$/.test(file)) return changedDeclarationsJs(before, after, file);
  if (file.endsWith('.swift')) return changedDeclarationsSwift(before, after);
  return changedTokenRuns(before, after).map((r) => ({ ...r, container: 'unscoped (no provenance parser for this file type)', first: '', last: '' }));
}
