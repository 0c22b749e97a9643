import ts from 'typescript';
import { defineFix, isDetection, type Analysis } from '../../codemod/define-fix.ts';
import { meta } from './meta.ts';
import type { AppliedEdit, Detection, NodeSpan, PackageSnapshot } from '../../core/fix.ts';
import { commaList, labelJs, memberCall, offsetsOf, parseJs, pathTo, splice, textOf, unparen, type Edit } from '../../codemod/js-ast.ts';

/**
 * Fix A: in headless runtimes (React Native / Expo), skip Session's background token refresh
 * when the last active token has already expired. iOS starves the JS thread for hours; the
 * refresh timer then fires late with stale credentials, gets a 401 and the SDK ends a session
 * that is still valid. Same guard as upstream @clerk/clerk-js 6.7.4 (clerk/javascript#8303).
 */
const WARNING = 'Background token refresh failed';
const ID = meta.id;

/** The in-flight marker: `<cls>.<set>.has(<arg>)` / `.add(<arg>)` / `.delete(<arg>)`. */
interface Marker {
  cls: string;
  set: string;
  arg: string;
}

interface Located {
  sf: ts.SourceFile;
  method: ts.MethodDeclaration;
  span: NodeSpan;
  marker: Marker;
  /** Where the guard goes and how: minified `has||(add, REST)` or statements `if(has)return; add; REST`. */
  form: { kind: 'comma'; rest: ts.Expression[] } | { kind: 'statements'; add: ts.Statement; next: ts.Statement | undefined };
  hasUpstreamGuard: boolean;
  accessor: string | undefined;
}

function findWarningMethod(sf: ts.SourceFile): ts.MethodDeclaration[] {
  const methods = new Set<ts.MethodDeclaration>();
  for (const offset of offsetsOf(sf.text, WARNING)) {
    const chain = pathTo(sf, offset, offset + WARNING.length);
    const literal = chain[chain.length - 1];
    if (!literal || !(ts.isStringLiteral(literal) || ts.isNoSubstitutionTemplateLiteral(literal)) || literal.text !== WARNING) continue;
    const method = [...chain].reverse().find(ts.isMethodDeclaration);
    if (method) methods.add(method);
  }
  return [...methods];
}

/** `<Recv>.clerk?.__internal_getOption?.("experimental")`, as the bundle already writes it elsewhere; receiver swapped for `cls`. */
function optionAccessor(sf: ts.SourceFile, cls: string): string | undefined {
  for (const offset of offsetsOf(sf.text, '__internal_getOption')) {
    const chain = pathTo(sf, offset, offset + '__internal_getOption'.length);
    const call = [...chain].reverse().find(ts.isCallExpression);
    if (!call || call.arguments.length !== 1) continue;
    const arg = call.arguments[0]!;
    if (!ts.isStringLiteral(arg) || arg.text !== 'experimental') continue;
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== '__internal_getOption') continue;
    const owner = callee.expression;
    if (!ts.isPropertyAccessExpression(owner) || owner.name.text !== 'clerk' || !ts.isIdentifier(owner.expression)) continue;
    return cls + textOf(call, sf).slice(textOf(owner.expression, sf).length);
  }
  return undefined;
}

function markerOf(n: ts.Node, sf: ts.SourceFile, method: string): Marker | undefined {
  const call = memberCall(unparen(n as ts.Expression), sf);
  if (!call || call.method !== method) return undefined;
  const setExpr = (unparen(n as ts.Expression) as ts.CallExpression).expression as ts.PropertyAccessExpression;
  const owner = setExpr.expression;
  if (!ts.isPropertyAccessExpression(owner)) return undefined;
  return { cls: textOf(owner.expression, sf), set: call.set, arg: call.arg };
}

const sameMarker = (a: Marker | undefined, b: Marker | undefined): boolean => !!a && !!b && a.set === b.set && a.arg === b.arg;

function hasHeadlessCheck(root: ts.Node): boolean {
  const visit = (n: ts.Node): boolean => {
    if (
      ts.isBinaryExpression(n) &&
      (n.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken || n.operatorToken.kind === ts.SyntaxKind.EqualsEqualsToken)
    ) {
      const sides = [unparen(n.left), unparen(n.right)];
      const prop = sides.some((s) => ts.isPropertyAccessExpression(s) && s.name.text === 'runtimeEnvironment');
      const lit = sides.some((s) => ts.isStringLiteral(s) && s.text === 'headless');
      if (prop && lit) return true;
    }
    return ts.forEachChild(n, (c) => (visit(c) ? true : undefined)) ?? false;
  };
  return visit(root);
}

function locate(text: string, file: string): Located | Detection {
  if (!text.includes(WARNING)) return { status: 'unknown-shape', reason: `no '${WARNING}' warning in ${file}` };
  const sf = parseJs(text, file);
  const methods = findWarningMethod(sf);
  if (methods.length !== 1) {
    return {
      status: 'unknown-shape',
      reason: `expected exactly one class method containing the '${WARNING}' warning in ${file}, found ${methods.length}`,
    };
  }
  const method = methods[0]!;
  const span: NodeSpan = { label: labelJs([method], sf), start: method.getStart(sf), end: method.end };
  const stmts = method.body?.statements ?? ts.factory.createNodeArray();
  const hasUpstreamGuard = hasHeadlessCheck(method);

  // Minified form: <set>.has(x) || (<set>.add(x), REST...)
  const first = stmts[0];
  if (stmts.length === 1 && first && ts.isExpressionStatement(first)) {
    const e = unparen(first.expression);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.BarBarToken) {
      const has = markerOf(e.left, sf, 'has');
      const [add, ...rest] = commaList(unparen(e.right));
      const added = add && markerOf(add, sf, 'add');
      if (has && sameMarker(has, added) && rest.length > 0) {
        return { sf, method, span, marker: has, form: { kind: 'comma', rest }, hasUpstreamGuard, accessor: optionAccessor(sf, has.cls) };
      }
    }
  }
  // Statement form: if (<set>.has(x)) return; <set>.add(x); REST...
  for (let i = 0; i + 1 < stmts.length; i++) {
    const s = stmts[i]!;
    const next = stmts[i + 1]!;
    if (!ts.isIfStatement(s) || !ts.isReturnStatement(s.thenStatement) || !ts.isExpressionStatement(next)) continue;
    const has = markerOf(s.expression, sf, 'has');
    if (has && sameMarker(has, markerOf(next.expression, sf, 'add'))) {
      return {
        sf,
        method,
        span,
        marker: has,
        form: { kind: 'statements', add: next, next: stmts[i + 2] },
        hasUpstreamGuard,
        accessor: optionAccessor(sf, has.cls),
      };
    }
  }
  return { status: 'unknown-shape', reason: `${span.label} in ${file}: no in-flight marker (<set>.has(id) then <set>.add(id)) found` };
}

/** The guard expression: headless runtime and the last active token already expired. */
const guardExpr = (l: Located): string =>
  `${l.accessor}?.runtimeEnvironment==="headless"&&this.lastActiveToken?.jwt?.claims?.exp&&Date.now()/1e3>this.lastActiveToken.jwt.claims.exp`;
const release = (m: Marker): string => `${m.set}.delete(${m.arg})`;

function isOurGuard(l: Located): boolean {
  const sf = l.sf;
  const guard = guardExpr(l);
  if (l.form.kind === 'comma') {
    const [only] = l.form.rest;
    return (
      l.form.rest.length === 1 &&
      !!only &&
      ts.isConditionalExpression(only) &&
      textOf(only.condition, sf) === guard &&
      textOf(only.whenTrue, sf) === release(l.marker)
    );
  }
  const s = l.form.next;
  return (
    !!s && ts.isIfStatement(s) && textOf(s.expression, sf) === guard && textOf(s.thenStatement, sf) === `{${release(l.marker)};return}`
  );
}

/** One parse: the detection, plus the located method when the shape was recognised. */
function analyze(text: string, file: string): Analysis<Located> {
  const l = locate(text, file);
  if (isDetection(l)) return { detection: l };
  const at = { node: l.span };
  if (l.hasUpstreamGuard) {
    return l.accessor && isOurGuard(l)
      ? { detection: { status: 'patched', reason: `${l.span.label} carries this patch's headless guard`, ...at } }
      : {
          detection: {
            status: 'fixed-upstream',
            reason: `${l.span.label} already checks runtimeEnvironment === "headless" (upstream fix)`,
            ...at,
          },
        };
  }
  if (!l.accessor) {
    return {
      detection: {
        status: 'unknown-shape',
        reason: `${file}: no '<Class>.clerk?.__internal_getOption?.("experimental")' accessor to read runtimeEnvironment through`,
        ...at,
      },
    };
  }
  if (!l.sf.text.slice(l.span.start, l.span.end).includes(`${release(l.marker).slice(0, -l.marker.arg.length - 1)}`)) {
    return {
      detection: {
        status: 'unknown-shape',
        reason: `${l.span.label} in ${file}: the in-flight marker is never released with ${l.marker.set}.delete()`,
        ...at,
      },
    };
  }
  return {
    detection: {
      status: 'vulnerable',
      reason: `${l.span.label} refreshes in the background without a headless/expired-token guard`,
      ...at,
    },
    located: l,
  };
}

function applyLocated(l: Located, text: string): AppliedEdit {
  const sf = l.sf;
  const guard = guardExpr(l);
  const edits: Edit[] = [];
  if (l.form.kind === 'comma') {
    const rest = l.form.rest;
    const start = rest[0]!.getStart(sf);
    const end = rest[rest.length - 1]!.end;
    edits.push({ start, end: start, text: `${guard}?${release(l.marker)}:${rest.length > 1 ? '(' : ''}` });
    if (rest.length > 1) edits.push({ start: end, end, text: ')' });
  } else {
    edits.push({ start: l.form.add.end, end: l.form.add.end, text: `if(${guard}){${release(l.marker)};return}` });
  }
  return { changed: true, text: splice(text, edits), node: l.span };
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: applyLocated,
});
