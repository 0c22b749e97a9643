import ts from 'typescript';
import { meta } from './meta.ts';
import { defineFix, type Analysis } from '../../codemod/define-fix.ts';
import type { NodeSpan } from '../../core/fix.ts';
import { identifiers, parseJs, splice, textOf, unparen, type Edit } from '../../codemod/js-ast.ts';
import { freeName, indentAt } from '../../codemod/clerk-instance-hooks.ts';

/**
 * Fix N: @clerk/expo 3.1.6–3.3.1's `NativeSessionSync` calls the native module's `signOut()`
 * whenever JS reports "not signed in" (from 3.2.8, and with Fix D, once JS has loaded). A load
 * that ends signed out without a sign-out — offline at launch, a first request that failed or was
 * cut short, a client JWT that could not be read — is taken for a sign-out: native `signOut()`
 * ends the session on the server, so the user is signed out for good although the stored client
 * JWT was still good. On this bridge the native SDK is configured with the JS client's token at
 * launch, so a native session never outlives a JS sign-out of an earlier launch: the call is
 * needed only after a sign-out in this run.
 *
 * The patch remembers, in a ref of the component, that JS was signed in during this run (set
 * right after the effect's signed-out branch), and signs native out only when it was: a user's
 * sign-out, a session the server ended. A later signed-out render of the same run may call it
 * again, as pristine does (native `signOut()` with no session does nothing). The signOut
 * statement and the `return;` after it stay as they are (Fix D's detector reads them). The sync
 * to native while signed in is unchanged. From 3.4.2 on JS never
 * calls native `signOut()` (the client-token bridge has none): nothing to patch there.
 */
const COMPONENT = 'NativeSessionSync';
/** The name the patch gives its ref (a fresh suffix if the file uses it). */
const REF = 'wasSignedInRef';

type FunctionLike = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;

/** `function NativeSessionSync(…) {…}` or `const NativeSessionSync = (…) => {…}` / `= function (…) {…}`. */
function findComponents(sf: ts.SourceFile): FunctionLike[] {
  const out: FunctionLike[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionDeclaration(n) && n.name?.text === COMPONENT && n.body) out.push(n);
    else if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === COMPONENT && n.initializer) {
      const init = unparen(n.initializer);
      if ((ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && ts.isBlock(init.body)) out.push(init);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The last name of a callee: `useRef`, `React.useRef`, `(0, import_react2.useRef)` → "useRef". */
function calleeName(e: ts.Expression): string | undefined {
  let n = unparen(e);
  if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.CommaToken) n = unparen(n.right);
  if (ts.isIdentifier(n)) return n.text;
  if (ts.isPropertyAccessExpression(n)) return n.name.text;
  return undefined;
}

/** `const <name> = useRef(…)` statements directly in the component's body. */
function refStatements(body: ts.Block): { stmt: ts.VariableStatement; name: string; callee: ts.Expression }[] {
  const out: { stmt: ts.VariableStatement; name: string; callee: ts.Expression }[] = [];
  for (const s of body.statements) {
    if (!ts.isVariableStatement(s) || s.declarationList.declarations.length !== 1) continue;
    const d = s.declarationList.declarations[0]!;
    const init = d.initializer && unparen(d.initializer);
    if (ts.isIdentifier(d.name) && init && ts.isCallExpression(init) && calleeName(init.expression) === 'useRef')
      out.push({ stmt: s, name: d.name.text, callee: init.expression });
  }
  return out;
}

/** Every `X.signOut()` call below `root`. */
function signOutCalls(root: ts.Node): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && n.arguments.length === 0) {
      const c = unparen(n.expression);
      if (ts.isPropertyAccessExpression(c) && c.name.text === 'signOut') out.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** The nearest `if` above `n` (stopping at `stop`) whose test satisfies `test`. */
function enclosingIf(n: ts.Node, stop: ts.Node, test: (i: ts.IfStatement) => boolean): ts.IfStatement | undefined {
  for (let p = n.parent; p && p !== stop; p = p.parent) if (ts.isIfStatement(p) && test(p)) return p;
  return undefined;
}

interface Located {
  sf: ts.SourceFile;
  span: NodeSpan;
  /** The component's first `const … = useRef(…)`: the ref goes after it, made with the same callee. */
  firstRef: { stmt: ts.VariableStatement; callee: ts.Expression };
  /** `if (ClerkExpo?.signOut) { … signOut() … }`: its test gets the ref's guard. */
  guard: ts.IfStatement;
  /** `if (!isSignedIn) { … }`: after it, JS is signed in. */
  signedOutBranch: ts.IfStatement;
}

function analyze(text: string, file: string): Analysis<Located> {
  if (!text.includes(COMPONENT))
    return { detection: { status: 'not-affected', reason: `${file} has no ${COMPONENT} (no JS→native sign-out)` } };
  const sf = parseJs(text, file);
  const found = findComponents(sf);
  if (found.length !== 1)
    return {
      detection: {
        status: found.length === 0 ? 'not-affected' : 'unknown-shape',
        reason: `expected one ${COMPONENT} component in ${file}, found ${found.length}`,
      },
    };
  const component = found[0]!;
  const body = component.body as ts.Block;
  const span: NodeSpan = {
    label: ts.isFunctionDeclaration(component) ? `FunctionDeclaration ${COMPONENT}` : `VariableDeclaration ${COMPONENT}`,
    start: component.getStart(sf),
    end: component.end,
  };
  const at = { node: span };
  const refuse = (why: string): Analysis<Located> => ({
    detection: { status: 'unknown-shape', reason: `${span.label} in ${file}: ${why}`, node: span },
  });

  const calls = signOutCalls(body);
  if (calls.length === 0) return { detection: { status: 'not-affected', reason: `${span.label} never calls native signOut()`, ...at } };
  if (calls.length !== 1) return refuse(`expected one native signOut() call, found ${calls.length}`);
  const call = calls[0]!;
  const guard = enclosingIf(call, body, (i) => /\.signOut\b/.test(textOf(i.expression, sf)));
  if (!guard) return refuse('the native signOut() call is not inside `if (<module>.signOut)`');
  const signedOutBranch = enclosingIf(guard, body, (i) => {
    const e = unparen(i.expression);
    return ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken && ts.isIdentifier(unparen(e.operand));
  });
  if (!signedOutBranch || !ts.isBlock(signedOutBranch.parent))
    return refuse('the native signOut() is not inside an `if (!isSignedIn) { … }` statement of the effect');
  const refs = refStatements(body);
  if (refs.length === 0) return refuse('no `const … = useRef(…)` in the component to place the ref beside');

  // This patch: the guard's test starts with `<ref>.current && (…)`, the ref a useRef(false) of the component.
  const test = unparen(guard.expression);
  if (
    ts.isBinaryExpression(test) &&
    test.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken &&
    ts.isPropertyAccessExpression(unparen(test.left)) &&
    (unparen(test.left) as ts.PropertyAccessExpression).name.text === 'current'
  ) {
    const holder = unparen((unparen(test.left) as ts.PropertyAccessExpression).expression);
    if (ts.isIdentifier(holder) && holder.text.startsWith(REF) && refs.some((r) => r.name === holder.text))
      return {
        detection: {
          status: 'patched',
          reason: `${span.label} signs native out only after JS was signed in during this run (${holder.text}; this patch)`,
          ...at,
        },
      };
    return refuse(
      `the signOut guard is \`${textOf(test, sf)}\`, a condition this patch does not know; check upstream, then update the fix`,
    );
  }
  return {
    detection: {
      status: 'vulnerable',
      reason: `${span.label} calls native signOut() whenever JS is (loaded and) signed out: a load that ended signed out without a sign-out ends the session on the server`,
      ...at,
    },
    located: { sf, span, firstRef: refs[0]!, guard, signedOutBranch },
  };
}

function edits(l: Located): Edit[] {
  const { sf } = l;
  const ref = freeName(identifiers(sf), REF);
  const callee = textOf(l.firstRef.callee, sf);
  const after = (stmt: ts.Statement, text: string): Edit => {
    const ind = indentAt(sf, stmt.getStart(sf));
    return { start: stmt.end, end: stmt.end, text: ind ? `\n${ind}${text}` : text };
  };
  const test = l.guard.expression;
  return [
    after(l.firstRef.stmt, `const ${ref} = ${callee}(false);`),
    { start: test.getStart(sf), end: test.end, text: `${ref}.current && (${textOf(test, sf)})` },
    after(l.signedOutBranch, `${ref}.current = true;`),
  ];
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: (located, text) => ({ changed: true, text: splice(text, edits(located)), node: located.span }),
});
