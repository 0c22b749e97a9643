import ts from 'typescript';
import { meta } from './meta.ts';
import { defineFix, type Analysis } from '../../codemod/define-fix.ts';
import type { AppliedEdit, NodeSpan } from '../../core/fix.ts';
import { firstCall, labelJs, parseJs, pathTo, splice, textOf, unparen, type Edit } from '../../codemod/js-ast.ts';

/**
 * Fix I: @clerk/expo 4.x wraps clerk-js's `handleUnauthenticated` (the 401 handler) with a native
 * recovery, `refreshJsClientFromNativeState`, fed the native device token. With no native token
 * (Expo Go, a JS-only build, or a native SDK that holds none) that recovery clears the JS client
 * token, fetches a brand-new session-less client, rejects it as foreign, restores the old token
 * and client, and reports success: Clerk's own handler never runs, and a revoked, expired or
 * abandoned session stays signed in. The patch: when the recovery only restored the previous
 * client and there was no native device token to recover from, go on to the original handler.
 *
 * Two shapes, found by structure (dist/provider/nativeClientSync.js):
 * - 4.0.3–4.2.x: `if (await refreshJsClientFromNativeState({ …, nativeDeviceToken: <read>, … })) return;`
 *   and the rejecting branch returns `true`. The patch names the read and the result, and the
 *   rejecting branch returns "restored" (as upstream's own later releases do; every caller only
 *   tests the result for truth).
 * - 4.2.4+ (4.6.x): `const result = await refreshJsClientFromNativeState({ …, nativeDeviceToken, … });`
 *   … `if (result) return;` with "restored" from the rejecting branch. The patch narrows that `if`.
 */
const RESTORED = 'restored';

type Fn = ts.FunctionDeclaration & { body: ts.Block; name: ts.Identifier };

interface Located {
  sf: ts.SourceFile;
  /** The rejecting branch's `return true` (4.0.3–4.2.x) to turn into `return "restored"`. */
  rejectTrue?: ts.Expression;
  refreshFn: Fn;
  wrapper: ts.ArrowFunction | ts.FunctionExpression;
  wrapperLabel: string;
  edits: (names: { token: string; result: string }) => Edit[];
  names: { token: string; result: string };
}

const one = (sf: ts.SourceFile, name: string): Fn | undefined => {
  const found = sf.statements.filter((s): s is Fn => ts.isFunctionDeclaration(s) && !!s.body && s.name?.text === name);
  return found.length === 1 ? found[0] : undefined;
};

function allCalls(root: ts.Node, name: string): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** `const X = <a>.handleUnauthenticated.bind(<a>)`: the declarations that save Clerk's own 401 handler. */
function originalHandlers(sf: ts.SourceFile): ts.VariableDeclaration[] {
  const out: ts.VariableDeclaration[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.initializer && ts.isCallExpression(n.initializer)) {
      const c = n.initializer.expression;
      if (
        ts.isPropertyAccessExpression(c) &&
        c.name.text === 'bind' &&
        ts.isPropertyAccessExpression(c.expression) &&
        c.expression.name.text === 'handleUnauthenticated'
      )
        out.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Identifiers that name a binding or a reference below `root` (not property names): a fresh local must avoid them. */
function boundNames(root: ts.Node): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    const p = n.parent;
    const propertyName = (p && ts.isPropertyAccessExpression(p) && p.name === n) || (p && ts.isPropertyAssignment(p) && p.name === n);
    if (ts.isIdentifier(n) && !propertyName) out.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

const isReturnNothing = (s: ts.Statement): boolean => ts.isReturnStatement(s) && !s.expression;

/** `R && !(R === "restored" && !N)`: this patch's condition; returns N's name when it is. */
function patchedCondition(e: ts.Expression, result: string): string | undefined {
  e = unparen(e);
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) return undefined;
  if (!ts.isIdentifier(e.left) || e.left.text !== result) return undefined;
  const not = unparen(e.right);
  if (!ts.isPrefixUnaryExpression(not) || not.operator !== ts.SyntaxKind.ExclamationToken) return undefined;
  const both = unparen(not.operand);
  if (!ts.isBinaryExpression(both) || both.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) return undefined;
  const eq = unparen(both.left);
  const noToken = unparen(both.right);
  if (
    !ts.isBinaryExpression(eq) ||
    eq.operatorToken.kind !== ts.SyntaxKind.EqualsEqualsEqualsToken ||
    !ts.isIdentifier(eq.left) ||
    eq.left.text !== result ||
    !ts.isStringLiteral(eq.right) ||
    eq.right.text !== RESTORED
  )
    return undefined;
  if (!ts.isPrefixUnaryExpression(noToken) || noToken.operator !== ts.SyntaxKind.ExclamationToken || !ts.isIdentifier(noToken.operand))
    return undefined;
  return noToken.operand.text;
}

const condition = (result: string, token: string) => `${result} && !(${result} === "${RESTORED}" && !${token})`;

function analyze(text: string, file: string): Analysis<Located> {
  if (!text.includes('refreshJsClientFromNativeState'))
    return {
      detection: {
        status: 'not-affected',
        reason: `${file} has no refreshJsClientFromNativeState (the 401 native recovery this fix guards)`,
      },
    };
  const sf = parseJs(text, file);
  const refreshFn = one(sf, 'refreshJsClientFromNativeState');
  if (!refreshFn)
    return {
      detection: { status: 'unknown-shape', reason: `${file}: expected exactly one top-level refreshJsClientFromNativeState function` },
    };
  const refreshSpan: NodeSpan = {
    label: 'FunctionDeclaration refreshJsClientFromNativeState',
    start: refreshFn.getStart(sf),
    end: refreshFn.end,
  };
  const refuse = (why: string, node: NodeSpan = refreshSpan): Analysis<Located> => ({
    detection: { status: 'unknown-shape', reason: `${file}: ${why}`, node },
  });
  // Before 4.0.3 there is no rejecting branch: a 401 with no native token lands on a new, signed-out
  // client (the sign-out happens, Fix G keeps the JS client token on those versions).
  const check = firstCall(refreshFn.body, 'isForeignSessionlessClient');
  if (!check)
    return {
      detection: {
        status: 'not-affected',
        reason: `${refreshSpan.label} in ${file} has no foreign-client check, so no "restore and report recovered" path`,
        node: refreshSpan,
      },
    };
  // The rejecting branch: `if (… isForeignSessionlessClient(…)) { …; return true | "restored"; }`.
  let branch: ts.IfStatement | undefined;
  const findBranch = (n: ts.Node): void => {
    if (branch) return;
    if (ts.isIfStatement(n) && n.expression.getStart(sf) <= check.getStart(sf) && check.end <= n.expression.end) branch = n;
    else ts.forEachChild(n, findBranch);
  };
  findBranch(refreshFn.body);
  const block = branch && ts.isBlock(branch.thenStatement) ? branch.thenStatement : undefined;
  const last = block?.statements[block.statements.length - 1];
  const returned = last && ts.isReturnStatement(last) && last.expression ? unparen(last.expression) : undefined;
  const returnsTrue = returned?.kind === ts.SyntaxKind.TrueKeyword;
  const returnsRestored = !!returned && ts.isStringLiteral(returned) && returned.text === RESTORED;
  if (!returnsTrue && !returnsRestored)
    return refuse(
      `${refreshSpan.label}: expected the branch that rejects a foreign session-less client to end in \`return true\` or \`return "restored"\``,
    );

  // Clerk's own handler, saved by the wrapper, and the one recovery call inside that wrapper.
  const originals = originalHandlers(sf);
  if (originals.length !== 1)
    return refuse(`expected one \`const x = clerk.handleUnauthenticated.bind(clerk)\`, found ${originals.length}`);
  const original = originals[0]!;
  const originalName = ts.isIdentifier(original.name) ? original.name.text : undefined;
  const chain = pathTo(sf, original.getStart(sf), original.end);
  const effect = [...chain]
    .reverse()
    .find((n): n is ts.ArrowFunction | ts.FunctionExpression => ts.isArrowFunction(n) || ts.isFunctionExpression(n));
  if (!originalName || !effect) return refuse('the saved handleUnauthenticated is not a local of a function');
  const recoveries = allCalls(effect, 'refreshJsClientFromNativeState');
  if (recoveries.length !== 1)
    return refuse(`expected one refreshJsClientFromNativeState call next to the saved handleUnauthenticated, found ${recoveries.length}`);
  const call = recoveries[0]!;
  const callChain = pathTo(sf, call.getStart(sf), call.end);
  const wrapper = [...callChain]
    .reverse()
    .find((n): n is ts.ArrowFunction | ts.FunctionExpression => ts.isArrowFunction(n) || ts.isFunctionExpression(n));
  // The wrapper is the function that both recovers and falls back to the saved handler.
  if (!wrapper || !allCalls(wrapper, originalName).length)
    return refuse(`the recovery call is not in a function that falls back to ${originalName}()`);
  // The function the patch edits is the wrapper itself (const handleUnauthenticated = async (…) => …), by its own label.
  const wrapperLabel = labelJs(pathTo(sf, wrapper.getStart(sf), wrapper.end), sf);
  const wrapperSpan: NodeSpan = { label: wrapperLabel, start: wrapper.getStart(sf), end: wrapper.end };
  const refuseW = (why: string) => refuse(`${wrapperLabel}: ${why}`, wrapperSpan);

  const arg = call.arguments[0];
  if (!arg || !ts.isObjectLiteralExpression(arg)) return refuseW('expected refreshJsClientFromNativeState({ … }) with an options object');
  const tokenProp = arg.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'nativeDeviceToken');
  if (!tokenProp || !(ts.isPropertyAssignment(tokenProp) || ts.isShorthandPropertyAssignment(tokenProp)))
    return refuseW('the recovery call does not pass nativeDeviceToken');
  const awaited = call.parent;
  if (!ts.isAwaitExpression(awaited)) return refuseW('expected the recovery call to be awaited');
  const used = boundNames(wrapper);
  const fresh = (want: string) => {
    let n = want;
    for (let i = 2; used.has(n); i++) n = `${want}${i}`;
    return n;
  };

  // 4.2.4+ shape: const R = await refresh(…); … if (R) return;
  if (ts.isVariableDeclaration(awaited.parent) && ts.isIdentifier(awaited.parent.name)) {
    const result = awaited.parent.name.text;
    const stmt = awaited.parent.parent.parent;
    const list = stmt && ts.isBlock(stmt.parent) ? stmt.parent.statements : undefined;
    const gate = list?.find(
      (s): s is ts.IfStatement =>
        ts.isIfStatement(s) &&
        s.pos > stmt.end - 1 &&
        isReturnNothing(s.thenStatement) &&
        !s.elseStatement &&
        (unparen(s.expression).kind === ts.SyntaxKind.Identifier
          ? (unparen(s.expression) as ts.Identifier).text === result
          : !!patchedCondition(s.expression, result)),
    );
    if (!gate) return refuseW(`expected \`if (${result}) return;\` after \`const ${result} = await refreshJsClientFromNativeState(…)\``);
    const token = ts.isShorthandPropertyAssignment(tokenProp)
      ? tokenProp.name.text
      : ts.isIdentifier(unparen(tokenProp.initializer))
        ? (unparen(tokenProp.initializer) as ts.Identifier).text
        : undefined;
    if (!token) return refuseW('expected nativeDeviceToken to be passed as a local (4.2.4+ reads it into a const first)');
    if (patchedCondition(gate.expression, result)) {
      if (returnsTrue) return refuse(`${refreshSpan.label}: the wrapper is patched but the rejecting branch still returns true`);
      return {
        detection: {
          status: 'patched',
          reason: `${wrapperLabel} goes on to ${originalName}() when recovery only restored the JS client without a native token (this patch)`,
          node: wrapperSpan,
        },
      };
    }
    if (!returnsRestored)
      return refuse(`${refreshSpan.label}: the wrapper tests "${RESTORED}" nowhere and the rejecting branch returns true`);
    const names = { token, result };
    return {
      detection: {
        status: 'vulnerable',
        reason: `${wrapperLabel} reports a 401 as recovered when refreshJsClientFromNativeState only restored the JS client because there was no native device token, so ${originalName}() (Clerk's sign-out path) never runs`,
        node: wrapperSpan,
      },
      located: {
        sf,
        refreshFn,
        wrapper,
        wrapperLabel,
        names,
        edits: (n) => [{ start: gate.expression.getStart(sf), end: gate.expression.end, text: condition(n.result, n.token) }],
      },
    };
  }

  // 4.0.3–4.2.x shape: if (await refresh({ …, nativeDeviceToken: <read>, … })) return;
  const gate = awaited.parent;
  if (!ts.isIfStatement(gate) || gate.expression !== awaited || !isReturnNothing(gate.thenStatement) || gate.elseStatement)
    return refuseW(
      'expected `if (await refreshJsClientFromNativeState(…)) return;` or `const result = await refreshJsClientFromNativeState(…)`',
    );
  if (!returnsTrue) return refuse(`${refreshSpan.label}: expected \`return true\` from the rejecting branch in the 4.2.x shape`);
  const rejectTrue = returned!;
  const names = { token: fresh('nativeDeviceToken'), result: fresh('recovery') };
  const lineStart = text.lastIndexOf('\n', gate.getStart(sf) - 1) + 1;
  const ind = text.slice(lineStart, gate.getStart(sf));
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  return {
    detection: {
      status: 'vulnerable',
      reason: `${wrapperLabel} reports a 401 as recovered when refreshJsClientFromNativeState only restored the JS client because there was no native device token, so ${originalName}() (Clerk's sign-out path) never runs`,
      node: wrapperSpan,
    },
    located: {
      sf,
      rejectTrue,
      refreshFn,
      wrapper,
      wrapperLabel,
      names,
      edits: (n) => {
        const value = ts.isShorthandPropertyAssignment(tokenProp) ? undefined : tokenProp.initializer;
        const callText = value
          ? text.slice(awaited.getStart(sf), value.getStart(sf)) + n.token + text.slice(value.end, awaited.end)
          : textOf(awaited, sf);
        const read = value ? `const ${n.token} = ${textOf(value, sf)};${nl}${ind}` : '';
        const token = value ? n.token : (tokenProp as ts.ShorthandPropertyAssignment).name.text;
        return [
          { start: rejectTrue.getStart(sf), end: rejectTrue.end, text: `"${RESTORED}"` },
          {
            start: gate.getStart(sf),
            end: gate.end,
            text: `${read}const ${n.result} = ${callText};${nl}${ind}if (${condition(n.result, token)}) return;`,
          },
        ];
      },
    },
  };
}

function edit(l: Located, text: string): AppliedEdit {
  const { sf } = l;
  const out = splice(text, l.edits(l.names));
  const wrapperEnd = l.wrapper.end + (out.length - text.length);
  const start = l.rejectTrue ? l.refreshFn.getStart(sf) : l.wrapper.getStart(sf);
  const added: NodeSpan[] = [];
  if (l.rejectTrue) {
    const fn = parseJs(out, 'patched.js').statements.find(
      (s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === 'refreshJsClientFromNativeState',
    );
    if (!fn) throw new Error(`${meta.id}: refreshJsClientFromNativeState did not parse back`);
    added.push({ label: 'FunctionDeclaration refreshJsClientFromNativeState', start: fn.getStart(), end: fn.end });
  }
  return { changed: true, text: out, node: { label: l.wrapperLabel, start, end: wrapperEnd }, ...(added.length ? { added } : {}) };
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit,
});
