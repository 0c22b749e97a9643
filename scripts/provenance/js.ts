import ts from 'typescript';
import { diffLines } from '../patch-file/diff-lines.ts';
import { labelJs, parseJs, pathTo } from '../codemod/js-ast.ts';
import { trimCommon, type ChangedRun } from './runs.ts';

interface Tok {
  kind: ts.SyntaxKind;
  text: string;
  pos: number;
}

/** Tokens that may precede an expression: after them a "/" starts a regular expression. */
const EXPRESSION_START = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.OpenParenToken,
  ts.SyntaxKind.OpenBracketToken,
  ts.SyntaxKind.OpenBraceToken,
  ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.CommaToken,
  ts.SyntaxKind.SemicolonToken,
  ts.SyntaxKind.ColonToken,
  ts.SyntaxKind.QuestionToken,
  ts.SyntaxKind.EqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.ExclamationToken,
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionQuestionToken,
  ts.SyntaxKind.PlusToken,
  ts.SyntaxKind.MinusToken,
  ts.SyntaxKind.AsteriskToken,
  ts.SyntaxKind.EqualsGreaterThanToken,
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.AmpersandToken,
  ts.SyntaxKind.BarToken,
  ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.TildeToken,
  ts.SyntaxKind.ReturnKeyword,
  ts.SyntaxKind.TypeOfKeyword,
  ts.SyntaxKind.CaseKeyword,
  ts.SyntaxKind.DeleteKeyword,
  ts.SyntaxKind.VoidKeyword,
  ts.SyntaxKind.ThrowKeyword,
  ts.SyntaxKind.InKeyword,
  ts.SyntaxKind.NewKeyword,
  ts.SyntaxKind.DotDotDotToken,
  ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle,
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
    else if ((k === ts.SyntaxKind.SlashToken || k === ts.SyntaxKind.SlashEqualsToken) && EXPRESSION_START.has(prev))
      k = scanner.reScanSlashToken();
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
    const { p, q } = trimCommon(ta, tb, same);
    if (p === ta.length && p === tb.length) continue; // whitespace or comments only
    const first = tb[p];
    const last = tb.length - q > p ? tb[tb.length - 1 - q] : undefined;
    const start = first ? first.pos : tb[p - 1] ? tb[p - 1]!.pos + tb[p - 1]!.text.length : b0;
    runs.push({ start, end: last ? last.pos + last.text.length : start });
  }
  return runs;
}

export function changedDeclarationsJs(before: string, after: string, file: string): ChangedRun[] {
  const runs = changedTokenRuns(before, after);
  if (runs.length === 0) return [];
  const sf = parseJs(after, file);
  const at = (s: number, e: number) => labelJs(pathTo(sf, s, Math.max(e, s + 1)), sf);
  return runs.map((r) => ({
    ...r,
    container: at(r.start, r.end),
    first: at(r.start, r.start + 1),
    last: at(Math.max(r.start, r.end - 1), r.end),
  }));
}
