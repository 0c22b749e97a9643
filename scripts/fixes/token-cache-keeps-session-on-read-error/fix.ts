import ts from 'typescript';
import { defineFix, isDetection, type Analysis } from '../../codemod/define-fix.ts';
import { meta } from './meta.ts';
import type { Detection, NodeSpan, PackageSnapshot } from '../../core/fix.ts';
import { labelJs, parseJs, pathTo, splice, textOf, unparen } from '../../codemod/js-ast.ts';

/**
 * Fix F: `@clerk/expo/token-cache` turns a failed keychain read into a sign-out. Its getToken is
 *
 *   getToken: async (key) => {
 *     try { return await SecureStore.getItemAsync(key, opts); }
 *     catch { await SecureStore.deleteItemAsync(key, opts); return null; }
 *   }
 *
 * and @clerk/expo calls it before every Frontend API request: one failed read deletes the stored
 * client JWT, the request leaves without credentials, and the new, session-less client's JWT is
 * saved over it. The patched getToken never deletes on a read error and never answers "no token"
 * for one: it retries the read (bounded, short backoff); while the app is not in the foreground
 * (a locked keychain before the first unlock) it waits for the app to become active and reads
 * again; a read that still fails in the foreground rejects, so clerk-js sends no request and
 * nothing overwrites the stored JWT. A read that answers null (nothing stored) is unchanged.
 */
const ID = meta.id;
const READ = 'getItemAsync';
const DELETE = 'deleteItemAsync';

/** Bounded retries of a failed read before the foreground check: 3 retries, 100/200/400 ms apart. */
const RETRIES = 3;
const BASE_DELAY_MS = 50;

/** The names the patched getToken declares or uses free; the store, key and options must not be one of them. */
const OUR_LOCALS = ['attempt', 'error', 'resolve', 'AppState', 'subscription', 'state', 'require', 'setTimeout', 'Promise'];

type FunctionLike = ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration;

/** `getToken: async (key) => {…}`, `getToken: async function (key) {…}` or `async getToken(key) {…}`, with a block body. */
function getTokenFunctions(sf: ts.SourceFile): FunctionLike[] {
  const out: FunctionLike[] = [];
  const nameOf = (n: ts.PropertyName) => (ts.isIdentifier(n) || ts.isStringLiteral(n) ? n.text : undefined);
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAssignment(n) && nameOf(n.name) === 'getToken') {
      const init = unparen(n.initializer);
      if ((ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && ts.isBlock(init.body)) out.push(init);
    } else if (ts.isMethodDeclaration(n) && ts.isObjectLiteralExpression(n.parent) && nameOf(n.name) === 'getToken' && n.body) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Every `<ns>.<method>(…)` call below a node. */
function memberCalls(root: ts.Node, method: string): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === method) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** Every try statement below a node, outermost first. */
function tryStatements(root: ts.Node): ts.TryStatement[] {
  const out: ts.TryStatement[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isTryStatement(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

const isNullish = (e: ts.Expression | undefined): boolean => {
  if (!e) return true;
  const n = unparen(e);
  return n.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(n) && n.text === 'undefined') || ts.isVoidExpression(n);
};

/** Is the node inside a loop of the function (a catch that falls off its end reads again)? */
function inLoop(n: ts.Node, fn: FunctionLike): boolean {
  for (let p: ts.Node = n; p !== fn; p = p.parent) if (ts.isForStatement(p) || ts.isWhileStatement(p) || ts.isDoStatement(p)) return true;
  return false;
}

/** Does the catch block resolve getToken to "no token" (`return null` / `return;` / falls off the end of getToken)? */
function catchAnswersNoToken(clause: ts.CatchClause, fn: FunctionLike): boolean {
  const stmts = clause.block.statements;
  const returns: ts.ReturnStatement[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) returns.push(n);
    if (ts.isFunctionLike(n)) return;
    ts.forEachChild(n, visit);
  };
  visit(clause.block);
  const last = stmts[stmts.length - 1];
  const endsInThrowOrLoop = !!last && (ts.isThrowStatement(last) || ts.isContinueStatement(last));
  return returns.some((r) => isNullish(r.expression)) || (!endsInThrowOrLoop && returns.length === 0 && !inLoop(clause, fn));
}

/** `throw <the caught error>` somewhere in the catch block (not in a nested function). */
function rethrows(clause: ts.CatchClause): boolean {
  const decl = clause.variableDeclaration;
  if (!decl || !ts.isIdentifier(decl.name)) return false;
  const name = decl.name.text;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (
      ts.isThrowStatement(n) &&
      n.expression &&
      ts.isIdentifier(unparen(n.expression)) &&
      (unparen(n.expression) as ts.Identifier).text === name
    )
      found = true;
    if (ts.isFunctionLike(n)) return;
    ts.forEachChild(n, visit);
  };
  visit(clause.block);
  return found;
}

/** This patch's shape: the read retried in a loop, waiting on AppState, rethrowing, never deleting. */
function isOurs(fn: FunctionLike, read: ts.CallExpression, clause: ts.CatchClause, sf: ts.SourceFile): boolean {
  const body = textOf(clause.block, sf);
  return inLoop(read, fn) && rethrows(clause) && body.includes('AppState') && body.includes('addEventListener');
}

interface Located {
  sf: ts.SourceFile;
  fn: FunctionLike;
  body: ts.Block;
  span: NodeSpan;
  /** The secure-store namespace expression (`SecureStore`, `expo_secure_store`), the key parameter and the options argument, as text. */
  store: string;
  key: string;
  opts: string | undefined;
}

function locate(text: string, file: string): Located | Detection {
  if (!text.includes(READ)) return { status: 'not-affected', reason: `${file} never reads the secure store (${READ})` };
  const sf = parseJs(text, file);
  const fns = getTokenFunctions(sf).filter((f) => memberCalls(f.body!, READ).length > 0);
  if (fns.length === 0) return { status: 'not-affected', reason: `${file} has no getToken that reads the secure store with ${READ}()` };
  if (fns.length !== 1)
    return { status: 'unknown-shape', reason: `expected one getToken reading the secure store in ${file}, found ${fns.length}` };
  const fn = fns[0]!;
  const body = fn.body as ts.Block;
  const span: NodeSpan = { label: labelJs(pathTo(sf, fn.getStart(sf), fn.end), sf), start: fn.getStart(sf), end: fn.end };
  const at = { node: span };
  const reads = memberCalls(body, READ);
  if (reads.length !== 1)
    return {
      status: 'unknown-shape',
      reason: `${span.label} in ${file}: expected getToken to call ${READ}() once, found ${reads.length}`,
      ...at,
    };
  const read = reads[0]!;
  const params = fn.parameters;
  if (params.length < 1 || !ts.isIdentifier(params[0]!.name))
    return { status: 'unknown-shape', reason: `${span.label} in ${file}: expected getToken(key) with a plain key parameter`, ...at };
  const key = params[0]!.name.text;
  const args = read.arguments;
  if (args.length < 1 || !ts.isIdentifier(unparen(args[0]!)) || (unparen(args[0]!) as ts.Identifier).text !== key || args.length > 2) {
    return { status: 'unknown-shape', reason: `${span.label} in ${file}: expected ${READ}(${key}[, options])`, ...at };
  }
  // The read sits in exactly one try block whose catch decides what a failed read means.
  const tries = tryStatements(body).filter((t) => read.pos >= t.tryBlock.pos && read.end <= t.tryBlock.end && t.catchClause);
  if (tries.length !== 1)
    return {
      status: 'unknown-shape',
      reason: `${span.label} in ${file}: expected the ${READ}() call inside one try/catch, found ${tries.length}`,
      ...at,
    };
  const clause = tries[0]!.catchClause!;
  const deletes = memberCalls(clause.block, DELETE);
  const store = textOf((read.expression as ts.PropertyAccessExpression).expression, sf);
  const located: Located = { sf, fn, body, span, store, key, opts: args[1] ? textOf(args[1], sf) : undefined };
  if (deletes.length > 0) {
    const taken = [store, key, located.opts ?? ''].map((t) => /^[A-Za-z_$][\w$]*/.exec(t)?.[0]).filter((x): x is string => !!x);
    const clash = taken.find((n) => OUR_LOCALS.includes(n));
    if (clash)
      return {
        status: 'unknown-shape',
        reason: `${span.label} in ${file}: '${clash}' would be shadowed by the patched getToken's locals (${OUR_LOCALS.join(', ')})`,
        ...at,
      };
    if (!/\brequire\(/.test(text))
      return {
        status: 'unknown-shape',
        reason: `${file} is not a CommonJS module (no require()): the patched getToken loads AppState with require`,
        ...at,
      };
    // The bug: the catch deletes the stored item. Its shape must be exactly "delete, then answer no token".
    if (
      deletes.length !== 1 ||
      !catchAnswersNoToken(clause, fn) ||
      textOf((deletes[0]!.expression as ts.PropertyAccessExpression).expression, sf) !== store
    ) {
      return {
        status: 'unknown-shape',
        reason: `${span.label} in ${file}: the catch calls ${DELETE}() but is not 'await ${store}.${DELETE}(${key}, …); return null;'`,
        ...at,
      };
    }
    return located;
  }
  if (isOurs(fn, read, clause, sf))
    return { status: 'patched', reason: `${span.label} retries a failed keychain read and never deletes on one (this patch)`, ...at };
  if (catchAnswersNoToken(clause, fn))
    return {
      status: 'unknown-shape',
      reason: `${span.label} in ${file}: the catch of the ${READ}() call answers "no token" without deleting: a shape this fix does not know`,
      ...at,
    };
  return {
    status: 'fixed-upstream',
    reason: `${span.label} neither deletes nor answers "no token" on a failed keychain read (upstream fix)`,
    ...at,
  };
}

function analyze(text: string, file: string): Analysis<Located> {
  const l = locate(text, file);
  if (isDetection(l)) return { detection: l };
  return {
    detection: {
      status: 'vulnerable',
      reason: `${l.span.label}: getToken deletes the stored client JWT and answers null when the keychain read fails (${DELETE} in the catch)`,
      node: l.span,
    },
    located: l,
  };
}

/** The new body of getToken, indented like the code around it. */
function newBody(l: Located): string {
  const sf = l.sf;
  const text = sf.text;
  const lineIndent = (pos: number) => {
    const start = text.lastIndexOf('\n', pos - 1) + 1;
    return /^[ \t]*/.exec(text.slice(start))![0];
  };
  const outer = lineIndent(l.body.getStart(sf));
  const first = l.body.statements[0];
  const inner = first ? lineIndent(first.getStart(sf)) : `${outer}\t`;
  const unit = inner.startsWith(outer) && inner.length > outer.length ? inner.slice(outer.length) : '\t';
  const i = (n: number) => outer + unit.repeat(n);
  const q = /require\('/.test(text) && !/require\("/.test(text) ? "'" : '"';
  const read = `${l.store}.${READ}(${l.key}${l.opts ? `, ${l.opts}` : ''})`;
  const lines = [
    '{',
    `${i(1)}// A failed read is not "no token": never delete the item, never answer null for an error.`,
    `${i(1)}// Retry a few times; while the app is in the background (keychain locked before the first`,
    `${i(1)}// unlock), wait until it is active; in the foreground a read that still fails rejects, so`,
    `${i(1)}// no request leaves without the stored client JWT and nothing overwrites it.`,
    `${i(1)}for (let attempt = 1; ; attempt++) {`,
    `${i(2)}try {`,
    `${i(3)}return await ${read};`,
    `${i(2)}} catch (error) {`,
    `${i(3)}if (attempt <= ${RETRIES}) {`,
    `${i(4)}await new Promise((resolve) => setTimeout(resolve, ${BASE_DELAY_MS} * 2 ** attempt));`,
    `${i(4)}continue;`,
    `${i(3)}}`,
    `${i(3)}const AppState = require(${q}react-native${q}).AppState;`,
    `${i(3)}if (!AppState || AppState.currentState === ${q}active${q} || typeof AppState.addEventListener !== ${q}function${q}) throw error;`,
    `${i(3)}await new Promise((resolve) => {`,
    `${i(4)}const subscription = AppState.addEventListener(${q}change${q}, (state) => {`,
    `${i(5)}if (state !== ${q}active${q}) return;`,
    `${i(5)}subscription.remove();`,
    `${i(5)}resolve();`,
    `${i(4)}});`,
    `${i(3)}});`,
    `${i(3)}attempt = 0;`,
    `${i(2)}}`,
    `${i(1)}}`,
    `${outer}}`,
  ];
  return lines.join('\n');
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: (l, text) => ({
    changed: true,
    text: splice(text, [{ start: l.body.getStart(l.sf), end: l.body.end, text: newBody(l) }]),
    node: l.span,
  }),
});
