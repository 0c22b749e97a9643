import ts from 'typescript';
import { defineFix, isDetection, type Analysis } from '../../codemod/define-fix.ts';
import { meta, TARGET } from './meta.ts';
import type { AppliedEdit, Detection, NodeSpan, PackageSnapshot } from '../../core/fix.ts';
import { findFirst, identifiers, parseJs, splice, unparen, type Edit } from '../../codemod/js-ast.ts';

/**
 * Fix D: @clerk/expo's NativeSessionSync calls the native module's signOut() whenever
 * `!isSignedIn` — also before JS Clerk has loaded, while `isSignedIn` is still undefined. With
 * the native side already configured (JS reload, remount, a second provider) that ends the
 * session on the server and wipes the native keychain. Same behaviour as upstream @clerk/expo
 * 3.2.8 (clerk/javascript#8469): destructure `isLoaded` from useAuth(), sign native out only when
 * it is true, and list it in the effect's dependencies. Upstream wraps the signOut path in
 * `if (isLoaded) { … }`; this patch inserts `if (!isLoaded) return;` right before it (the branch
 * returns right after it anyway), which is one line, needs no re-indentation, and lets detect()
 * tell this patch from upstream's fix by structure alone.
 */
const ID = meta.id;
const COMPONENT = 'NativeSessionSync';

/** The last name of a callee: `useAuth`, `React.useAuth`, `(0, import_react.useAuth)` → "useAuth". */
function calleeName(e: ts.Expression): string | undefined {
  let n = unparen(e);
  if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.CommaToken) n = unparen(n.right);
  if (ts.isIdentifier(n)) return n.text;
  if (ts.isPropertyAccessExpression(n)) return n.name.text;
  return undefined;
}

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

/** `const { isSignedIn, … } = useAuth()` inside the component: the pattern and the locals it binds. */
interface AuthBinding {
  pattern: ts.ObjectBindingPattern;
  /** Local name of each destructured property (`{ isSignedIn: s }` → isSignedIn ↦ s). */
  locals: Map<string, string>;
}

function findAuthBinding(body: ts.Block): AuthBinding | undefined {
  const decl = findFirst(
    body,
    (n): n is ts.VariableDeclaration =>
      ts.isVariableDeclaration(n) &&
      ts.isObjectBindingPattern(n.name) &&
      !!n.initializer &&
      ts.isCallExpression(unparen(n.initializer)) &&
      calleeName((unparen(n.initializer) as ts.CallExpression).expression) === 'useAuth',
  );
  if (!decl) return undefined;
  const pattern = decl.name as ts.ObjectBindingPattern;
  const locals = new Map<string, string>();
  for (const el of pattern.elements) {
    if (el.dotDotDotToken || !ts.isIdentifier(el.name)) continue;
    const prop = el.propertyName
      ? ts.isIdentifier(el.propertyName) || ts.isStringLiteral(el.propertyName)
        ? el.propertyName.text
        : undefined
      : el.name.text;
    if (prop) locals.set(prop, el.name.text);
  }
  return { pattern, locals };
}

/** A `useEffect(fn, [deps])` call in the component. */
interface Effect {
  call: ts.CallExpression;
  body: ts.Block;
  deps: ts.ArrayLiteralExpression;
}

function findEffects(body: ts.Block): Effect[] {
  const out: Effect[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && calleeName(n.expression) === 'useEffect' && n.arguments.length === 2) {
      const fn = unparen(n.arguments[0]!);
      const deps = n.arguments[1]!;
      if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isBlock(fn.body) && ts.isArrayLiteralExpression(deps)) {
        out.push({ call: n, body: fn.body, deps });
        return;
      }
    }
    // Do not descend into nested functions other than the component body itself.
    if (n !== body && (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n))) return;
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

const isIdent = (e: ts.Expression, name: string): boolean => ts.isIdentifier(unparen(e)) && (unparen(e) as ts.Identifier).text === name;
const isNot = (e: ts.Expression, name: string): boolean => {
  const n = unparen(e);
  return ts.isPrefixUnaryExpression(n) && n.operator === ts.SyntaxKind.ExclamationToken && isIdent(n.operand, name);
};

/** Every `<x>.signOut(…)` (or `<x>?.signOut(…)`) call below a node. */
function signOutCalls(root: ts.Node): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'signOut') out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** Does the expression test `loaded` as a truthy condition (`isLoaded`, `a && isLoaded`)? */
function requiresLoaded(e: ts.Expression, loaded: string): boolean {
  const n = unparen(e);
  if (isIdent(n, loaded)) return true;
  return (
    ts.isBinaryExpression(n) &&
    n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken &&
    (requiresLoaded(n.left, loaded) || requiresLoaded(n.right, loaded))
  );
}

/** `if (!isLoaded) return;` */
const isLoadedEarlyExit = (s: ts.Statement, loaded: string): boolean =>
  ts.isIfStatement(s) &&
  isNot(s.expression, loaded) &&
  (ts.isReturnStatement(s.thenStatement) ||
    (ts.isBlock(s.thenStatement) && s.thenStatement.statements.length === 1 && ts.isReturnStatement(s.thenStatement.statements[0]!)));

interface Located {
  sf: ts.SourceFile;
  component: FunctionLike;
  span: NodeSpan;
  auth: AuthBinding;
  signedIn: string;
  loaded: string | undefined;
  effect: Effect;
  /** `if (!isSignedIn) { … }` and the statement in its block that reaches signOut. */
  branch: ts.IfStatement & { thenStatement: ts.Block };
  signOutIndex: number;
  /** First statement of the signOut path: the declaration of signOut's receiver, or the call's statement. */
  pathStart: number;
  call: ts.CallExpression;
}

/** The index of the statement that declares `signOut`'s receiver (just before the call), else the call's own. */
function signOutPathStart(stmts: readonly ts.Statement[], signOutIndex: number, call: ts.CallExpression): number {
  const receiver = unparen((call.expression as ts.PropertyAccessExpression).expression);
  if (!ts.isIdentifier(receiver)) return signOutIndex;
  const decl = stmts.findIndex(
    (s, i) =>
      i < signOutIndex &&
      ts.isVariableStatement(s) &&
      s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === receiver.text),
  );
  return decl === -1 ? signOutIndex : decl;
}

function locate(text: string, file: string): Located | Detection {
  if (!text.includes(COMPONENT))
    return { status: 'not-affected', reason: `${file} has no ${COMPONENT} component (the native sign-out sync this fix guards)` };
  const sf = parseJs(text, file);
  const components = findComponents(sf);
  if (components.length === 0) return { status: 'not-affected', reason: `${file} mentions ${COMPONENT} but declares no such component` };
  if (components.length !== 1)
    return { status: 'unknown-shape', reason: `expected one ${COMPONENT} component in ${file}, found ${components.length}` };
  const fn = components[0]!;
  const body = fn.body as ts.Block;
  const span: NodeSpan = { label: `FunctionDeclaration ${COMPONENT}`, start: fn.getStart(sf), end: fn.end };
  const at = { node: span };
  const auth = findAuthBinding(body);
  const signedIn = auth?.locals.get('isSignedIn');
  if (!auth || !signedIn)
    return { status: 'unknown-shape', reason: `${span.label} in ${file}: no 'const { isSignedIn } = useAuth()' destructuring`, ...at };
  const loaded = auth.locals.get('isLoaded');

  const found: { effect: Effect; branch: Located['branch']; signOutIndex: number; call: ts.CallExpression }[] = [];
  for (const effect of findEffects(body)) {
    const visit = (n: ts.Node): void => {
      if (ts.isIfStatement(n) && isNot(n.expression, signedIn) && ts.isBlock(n.thenStatement)) {
        const stmts = n.thenStatement.statements;
        const idx = stmts.findIndex((s) => signOutCalls(s).length > 0);
        if (idx !== -1) {
          // Every signOut() in the branch counts: more than one is ambiguous and refused below.
          for (const call of signOutCalls(n.thenStatement)) found.push({ effect, branch: n as Located['branch'], signOutIndex: idx, call });
          return;
        }
      }
      if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n)) return;
      ts.forEachChild(n, visit);
    };
    effect.body.statements.forEach(visit);
  }
  if (found.length !== 1) {
    return {
      status: 'unknown-shape',
      reason: `${span.label} in ${file}: expected exactly one useEffect that calls signOut() once under 'if (!${signedIn})', found ${found.length}`,
      ...at,
    };
  }
  const f = found[0]!;
  const stmts = f.branch.thenStatement.statements;
  const tail = stmts.slice(f.signOutIndex + 1);
  if (!(tail.length === 1 && ts.isReturnStatement(tail[0]!) && !tail[0]!.expression)) {
    return {
      status: 'unknown-shape',
      reason: `${span.label} in ${file}: expected the 'if (!${signedIn})' branch to end with 'return;' right after the signOut() statement`,
      ...at,
    };
  }
  return { sf, component: fn, span, auth, signedIn, loaded, ...f, pathStart: signOutPathStart(stmts, f.signOutIndex, f.call) };
}

/** How the signOut call is kept behind `isLoaded`, if it is: an enclosing if (upstream's form, and ours), `isLoaded && …`, or an early return. */
type Guard = ts.IfStatement | 'and-expression' | 'early-exit';

function guardOf(l: Located): Guard | undefined {
  if (!l.loaded) return undefined;
  const loaded = l.loaded;
  // An enclosing `if (isLoaded)` between the signOut call and the effect body.
  for (let n: ts.Node = l.call; n !== l.effect.body; n = n.parent) {
    const p = n.parent;
    if (ts.isIfStatement(p) && p.thenStatement === n && requiresLoaded(p.expression, loaded)) return p;
    if (
      ts.isBinaryExpression(p) &&
      p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken &&
      p.right === n &&
      requiresLoaded(p.left, loaded)
    )
      return 'and-expression';
  }
  // `if (!isLoaded) return;` before the signOut path, in the branch or at the top of the effect.
  const before = [...l.branch.thenStatement.statements.slice(0, l.signOutIndex)];
  const top = l.effect.body.statements;
  const branchAt = top.findIndex((s) => s.pos <= l.branch.pos && l.branch.end <= s.end);
  before.push(...top.slice(0, Math.max(branchAt, 0)));
  return before.some((s) => isLoadedEarlyExit(s, loaded)) ? 'early-exit' : undefined;
}

/**
 * Exactly what apply() emits: `if (!isLoaded) return;` as the statement right before the signOut
 * path in the branch, and `isLoaded` in the effect's dependencies.
 */
function isOurGuard(l: Located, g: Guard): boolean {
  const before = l.branch.thenStatement.statements[l.pathStart - 1];
  return (
    g === 'early-exit' &&
    !!l.loaded &&
    !!before &&
    isLoadedEarlyExit(before, l.loaded) &&
    l.effect.deps.elements.some((e) => isIdent(e, l.loaded!))
  );
}

/** One parse: the detection, plus the located component when the shape was recognised. */
function analyze(text: string, file: string): Analysis<Located> {
  const l = locate(text, file);
  if (isDetection(l)) return { detection: l };
  const at = { node: l.span };
  const guard = guardOf(l);
  if (guard) {
    if (isOurGuard(l, guard))
      return {
        detection: { status: 'patched', reason: `${l.span.label} signs native out only when ${l.loaded} (this patch's guard)`, ...at },
      };
    return {
      detection: {
        status: 'fixed-upstream',
        reason: `${l.span.label} already signs native out only once useAuth() reports ${l.loaded} (upstream fix)`,
        ...at,
      },
    };
  }
  return {
    detection: {
      status: 'vulnerable',
      reason: `${l.span.label} calls native signOut() whenever !${l.signedIn}, also before JS Clerk has loaded`,
      ...at,
    },
    located: l,
  };
}

function edits(l: Located): Edit[] {
  const sf = l.sf;
  const out: Edit[] = [];
  // 1. `const { isSignedIn } = useAuth()` → `const { isSignedIn, isLoaded } = useAuth()`.
  let loaded = l.loaded;
  if (!loaded) {
    const taken = identifiers(l.component);
    loaded = 'isLoaded';
    for (let i = 2; taken.has(loaded); i++) loaded = `isLoaded${i}`;
    const element = loaded === 'isLoaded' ? 'isLoaded' : `isLoaded: ${loaded}`;
    const els = l.auth.pattern.elements;
    const rest = els.findIndex((e) => !!e.dotDotDotToken);
    if (rest !== -1) out.push({ start: els[rest]!.getStart(sf), end: els[rest]!.getStart(sf), text: `${element}, ` });
    else out.push({ start: els[els.length - 1]!.end, end: els[els.length - 1]!.end, text: `, ${element}` });
  }
  // 2. `if (!isLoaded) return;` right before the signOut path, on its own line where the code has lines.
  const at = l.branch.thenStatement.statements[l.pathStart]!.getStart(sf);
  const lineStart = sf.text.lastIndexOf('\n', at - 1) + 1;
  const indent = sf.text.slice(lineStart, at);
  out.push({ start: at, end: at, text: /^[ \t]*$/.test(indent) ? `if (!${loaded}) return;\n${indent}` : `if(!${loaded})return;` });
  // 3. Add it to the effect's dependencies, right after isSignedIn (as upstream does).
  const deps = l.effect.deps.elements;
  const after = deps.find((e) => isIdent(e, l.signedIn));
  if (after) out.push({ start: after.end, end: after.end, text: `, ${loaded}` });
  else if (deps.length > 0) out.push({ start: deps[deps.length - 1]!.end, end: deps[deps.length - 1]!.end, text: `, ${loaded}` });
  else out.push({ start: l.effect.deps.getStart(sf) + 1, end: l.effect.deps.getStart(sf) + 1, text: loaded });
  return out;
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: (located, text) => ({ changed: true, text: splice(text, edits(located)), node: located.span }),
});
