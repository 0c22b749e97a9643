import ts from 'typescript';
import { defineFix } from '../../codemod/define-fix.ts';
import { meta } from './meta.ts';
import type { AppliedEdit, Detection, NodeSpan, PackageSnapshot } from '../../core/fix.ts';
import { findFirst, labelJs, offsetsOf, parseJs, pathTo, splice, textOf, unparen, type Edit } from '../../codemod/js-ast.ts';

/**
 * Fix E: clerk-js 6.1.0–6.3.1 bundle an online heuristic `isBrowserOnline()` that returns
 * `!!navigator && !!navigator.onLine`. React Native's navigator has no `onLine`, so every
 * getToken() that misses the token cache throws "Browser is offline, skipping token fetch"
 * (clerk/javascript#8083). Upstream 6.3.2 (#8084) treats a non-boolean `onLine` as online.
 * Fix A skips the late background refresh that used to refill the cache, so without this fix
 * Fix A would turn that latent bug into a failed foreground getToken() on those versions.
 */
const ID = meta.id;
const PROP = 'onLine';

/** What the `!!X.onLine` operand of the return is, in each recognised shape. */
type Form = 'strict' | 'ours' | 'upstream';

interface Site {
  fn: ts.FunctionLikeDeclaration;
  span: NodeSpan;
  form: Form;
  /** The local holding the navigator (`e` in the minified bundles). */
  local: string;
  /** The right operand of `!!X && …` (the strict read `!!X.onLine` when form is 'strict'). */
  operand: ts.Expression;
}

/** A function that reads `onLine` in the strict form, but not in the shape this fix knows. */
interface Unrecognised {
  label: string;
  why: string;
}

type FunctionLike = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;
const isFunctionLike = (n: ts.Node): n is FunctionLike =>
  ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n);

const isNot = (n: ts.Node): n is ts.PrefixUnaryExpression => ts.isPrefixUnaryExpression(n) && n.operator === ts.SyntaxKind.ExclamationToken;

/** `X.onLine` (plain property access, no `?.`) on the identifier `local`. */
const isOnLineOf = (n: ts.Node, local: string): boolean =>
  ts.isPropertyAccessExpression(n) &&
  !n.questionDotToken &&
  n.name.text === PROP &&
  ts.isIdentifier(n.expression) &&
  n.expression.text === local;

/** `!!<inner>`, returning inner. */
function doubleNot(n: ts.Expression): ts.Expression | undefined {
  const e = unparen(n);
  if (!isNot(e)) return undefined;
  const inner = unparen(e.operand);
  return isNot(inner) ? unparen(inner.operand) : undefined;
}

/** `!!X.onLine`: the strict read. */
const isStrictRead = (n: ts.Expression, local: string): boolean => {
  const inner = doubleNot(n);
  return !!inner && isOnLineOf(inner, local);
};

/** The form this codemod emits: `X.onLine!==!1` (true unless onLine is exactly false). */
const emitted = (local: string): string => `${local}.${PROP}!==!1`;

function isOurs(n: ts.Expression, local: string): boolean {
  const e = unparen(n);
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.ExclamationEqualsEqualsToken) return false;
  const right = e.right;
  return isOnLineOf(e.left, local) && isNot(right) && ts.isNumericLiteral(right.operand) && right.operand.text === '1';
}

/** Upstream 6.3.2+: `"boolean"!=typeof X.onLine||!!X.onLine` (either side order of the comparison). */
function isUpstream(n: ts.Expression, local: string): boolean {
  const e = unparen(n);
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.BarBarToken) return false;
  const cmp = unparen(e.left);
  if (!ts.isBinaryExpression(cmp)) return false;
  if (
    cmp.operatorToken.kind !== ts.SyntaxKind.ExclamationEqualsToken &&
    cmp.operatorToken.kind !== ts.SyntaxKind.ExclamationEqualsEqualsToken
  )
    return false;
  const sides = [unparen(cmp.left), unparen(cmp.right)];
  const typeOfRead = sides.some((s) => ts.isTypeOfExpression(s) && isOnLineOf(unparen(s.expression), local));
  const boolean = sides.some((s) => ts.isStringLiteral(s) && s.text === 'boolean');
  return typeOfRead && boolean && isStrictRead(e.right, local);
}

/** The initializer of the local `name` declared in `stmts`, if any. */
function initializerOf(stmts: readonly ts.Statement[], name: string): ts.Expression | undefined {
  for (const s of stmts) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name) return d.initializer;
  }
  return undefined;
}

/** `!!<anything>.onLine`, on any object. */
function isStrictOnLineRead(n: ts.Node): boolean {
  if (!ts.isPrefixUnaryExpression(n)) return false;
  const inner = doubleNot(n);
  return !!inner && ts.isPropertyAccessExpression(inner) && inner.name.text === PROP;
}

/** `<anything>.onLine!==!1`, on any object. */
function isOurOnLineRead(n: ts.Node): boolean {
  return (
    ts.isBinaryExpression(n) &&
    ts.isPropertyAccessExpression(n.left) &&
    ts.isIdentifier(n.left.expression) &&
    isOurs(n, n.left.expression.text)
  );
}

const readsNavigator = (init: ts.Expression): boolean => !!findFirst(init, (n) => ts.isIdentifier(n) && n.text === 'navigator');

/** One function that reads onLine: a recognised site, an unrecognised strict read, or neither (other heuristics, e.g. 6.0.0's). */
function analyzeFunction(fn: FunctionLike, chain: ts.Node[], sf: ts.SourceFile): Site | Unrecognised | undefined {
  const label = labelJs(chain, sf);
  // Only a function that reads onLine in the strict form (or in ours) must have the known shape;
  // other heuristics (6.0.0's rtt/downlink check) are not this fix's business.
  const mustKnow = !!findFirst(fn, (n) => isStrictOnLineRead(n) || isOurOnLineRead(n));
  const fail = (why: string): Unrecognised | undefined => (mustKnow ? { label, why } : undefined);

  const body = fn.body;
  if (!body || !ts.isBlock(body)) return fail('its body is not a block');
  const stmts = body.statements;
  const ret = stmts[stmts.length - 1];
  if (!ret || !ts.isReturnStatement(ret) || !ret.expression) return fail('it does not end with a return statement');
  if (stmts.slice(0, -1).some((s) => !ts.isVariableStatement(s)))
    return fail('it has statements other than local declarations before its single return');
  const e = unparen(ret.expression);
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken)
    return fail('its return is not `!!X && …`');
  const guard = doubleNot(e.left);
  if (!guard || !ts.isIdentifier(guard)) return fail('its return is not `!!X && …` on a local X');
  const local = guard.text;
  const init = initializerOf(stmts.slice(0, -1), local);
  if (!init) return fail(`'${local}' is not a local initialised in the function`);
  const span: NodeSpan = { label, start: fn.getStart(sf), end: fn.end };
  const operand = e.right;
  // Upstream's form is recognised whatever the local is initialised from (6.2x+ read it through a helper).
  if (isUpstream(operand, local)) return { fn, span, form: 'upstream', local, operand };
  const form: Form | undefined = isStrictRead(operand, local) ? 'strict' : isOurs(operand, local) ? 'ours' : undefined;
  if (!form) return fail(`its return is not \`!!${local} && !!${local}.${PROP}\``);
  if (!readsNavigator(init)) return fail(`'${local}' is not initialised from navigator (${textOf(init, sf)})`);
  return { fn, span, form, local, operand };
}

interface SiteAnalysis {
  detection: Detection;
  sites: Site[];
}

function analyze(text: string, file: string): SiteAnalysis {
  const none = (reason: string): SiteAnalysis => ({ detection: { status: 'not-affected', reason }, sites: [] });
  if (!text.includes(PROP)) return none(`${file} never reads navigator.${PROP}`);
  const sf = parseJs(text, file);
  const seen = new Set<ts.Node>();
  const sites: Site[] = [];
  const unrecognised: Unrecognised[] = [];
  for (const offset of offsetsOf(text, PROP)) {
    const chain = pathTo(sf, offset, offset + PROP.length);
    const id = chain[chain.length - 1];
    const access = chain[chain.length - 2];
    if (!id || !ts.isIdentifier(id) || id.text !== PROP || !access || !ts.isPropertyAccessExpression(access) || access.name !== id)
      continue;
    let at = chain.length - 1;
    while (at >= 0 && !isFunctionLike(chain[at]!)) at--;
    if (at < 0) continue; // a top-level read is not an online heuristic this fix knows
    const fn = chain[at] as FunctionLike;
    if (seen.has(fn)) continue;
    seen.add(fn);
    const r = analyzeFunction(fn, chain.slice(0, at + 1), sf);
    if (!r) continue;
    if ('why' in r) unrecognised.push(r);
    else sites.push(r);
  }
  if (unrecognised.length > 0) {
    const u = unrecognised[0]!;
    return {
      detection: { status: 'unknown-shape', reason: `${u.label} in ${file} reads ${PROP} strictly (\`!!X.${PROP}\`) but ${u.why}` },
      sites: [],
    };
  }
  if (sites.length === 0)
    return none(`${file} has no \`!!<navigator>.${PROP}\` online check (other heuristics do not throw on React Native's navigator)`);
  const forms = new Set(sites.map((s) => s.form));
  const labels = sites.map((s) => s.span.label).join(', ');
  if (forms.size > 1) {
    return {
      detection: {
        status: 'unknown-shape',
        reason: `the online checks in ${file} disagree (${sites.map((s) => `${s.span.label}: ${s.form}`).join('; ')})`,
      },
      sites: [],
    };
  }
  const node = sites[0]!.span;
  const form = sites[0]!.form;
  if (form === 'upstream')
    return {
      detection: { status: 'fixed-upstream', reason: `${labels} already treat a non-boolean ${PROP} as online (upstream #8084)`, node },
      sites,
    };
  if (form === 'ours')
    return { detection: { status: 'patched', reason: `${labels} carry this patch's \`X.${PROP}!==!1\` check`, node }, sites };
  return {
    detection: {
      status: 'vulnerable',
      reason: `${labels} return \`!!X&&!!X.${PROP}\`: offline whenever navigator has no ${PROP} (React Native)`,
      node,
    },
    sites,
  };
}

function applySites(sites: Site[], text: string, file: string): AppliedEdit {
  const sf = parseJs(text, file);
  const ordered = [...sites].sort((a, b) => a.span.start - b.span.start);
  // Only `!!X.onLine` itself is replaced; parentheses around it stay.
  const edits: Edit[] = ordered.map((s) => {
    const read = unparen(s.operand);
    return { start: read.getStart(sf), end: read.end, text: emitted(s.local) };
  });
  const out = splice(text, edits);
  // `node` in the original offsets (as every fix reports it); `added` in the new text's offsets.
  const added: NodeSpan[] = [];
  let shift = 0;
  ordered.forEach((s, i) => {
    const delta = edits[i]!.text.length - (edits[i]!.end - edits[i]!.start);
    if (i > 0) added.push({ label: s.span.label, start: s.span.start + shift, end: s.span.end + shift + delta });
    shift += delta;
  });
  return { changed: true, text: out, node: ordered[0]!.span, ...(added.length ? { added } : {}) };
}

export const fix = defineFix<Site[]>({
  ...meta,
  analyze: (text, file) => {
    const { detection, sites } = analyze(text, file);
    return detection.status === 'vulnerable' ? { detection, located: sites } : { detection };
  },
  edit: applySites,
});
