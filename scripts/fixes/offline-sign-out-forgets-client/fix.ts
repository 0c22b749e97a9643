import ts from 'typescript';
import { meta } from './meta.ts';
import { defineFix, oneTopLevelFunction, type Analysis } from '../../codemod/define-fix.ts';
import type { NodeSpan } from '../../core/fix.ts';
import { identifiers, parseJs, splice, textOf, unparen, type Edit } from '../../codemod/js-ast.ts';
import {
  AFTER_HOOK as AFTER,
  BEFORE_HOOK as BEFORE,
  INSTANCE_PATCH_HELPERS,
  freeName,
  helperAfter,
  helperDeclarations,
  hookStatements,
  layoutHelper,
  outsideInstancePatchHelpers,
  textOfCall,
} from '../../codemod/clerk-instance-hooks.ts';

/**
 * Fix S: clerk-js 6.32.0 and later sign out locally when `client.removeSessions()` fails on the
 * network (`signOut()`: `catch (e) { if (!isClerkRuntimeError(e) || e.code !== 'network_error') throw e }`),
 * so a sign-out made offline resolves and the app shows the user signed out, but the client JWT
 * stays in the token cache and the server still holds the session: the next launch loads that
 * client and the user is signed in again.
 *
 * The patch stays inside @clerk/expo's `createClerkInstance`, which owns the instance and its token
 * cache: right after the instance's own `onAfterResponse` hook (and any other patch helper placed
 * there) it declares a helper and calls it with the instance. The helper wraps `signOut()`: when a
 * sign-out of every session (clerk-js's only path that swallows the network error) resolves with
 * no active session while the client still lists a signed-in session — the server was not told —
 * it clears the client JWT from the token cache the instance's hooks use (`clearToken`, or an
 * empty token where the cache has no `clearToken`), so the next request and the next launch start
 * from a new, signed-out client.
 *
 * With React Native's own `navigator` (`{ product: 'ReactNative' }`, no `onLine`: read as online)
 * clerk-js rethrows the failure instead, after clearing its session (`#setTransitiveState()`): the
 * app would stay loading, and the next launch restore the session. When such a sign-out of every
 * session rejects because the server could not be reached — clerk-js's fapiClient turns any
 * `fetch` rejection into `Error('ClerkJS: Network error at "<url>" - <cause>. Please try again.')`
 * (`clerkNetworkError`, packages/shared/src/internal/clerk-js/errors.ts; fapiClient.ts's catch
 * around `fetch`), or a `ClerkRuntimeError` with code `network_error` (the resource cache), while
 * an HTTP answer becomes a `ClerkAPIResponseError` carrying `status` — the helper forgets the
 * client JWT the same way, then ends the in-between state with `setActive({ session: null })`
 * (no request for a null session) so the app shows the user signed out, and rethrows the error to
 * the app. A sign-out the server answered (or answered with an HTTP error) and a sign-out of one of
 * several sessions pass untouched.
 */
const FACTORY = 'createClerkInstance';
/** The name the patch gives its helper (a fresh suffix if the file uses it). */
const HELPER = 'forgetClientAfterLocalSignOut';
/** Names the helper binds inside itself: a cache or key expression rooted in one of them would read the helper's own. */
const HELPER_LOCALS = [
  'clerk',
  'signOut',
  'unreachable',
  'e',
  'args',
  'client',
  'options',
  'signedIn',
  'c',
  'everySession',
  'untold',
  'forget',
  'result',
  'error',
  'cache',
];

if (!INSTANCE_PATCH_HELPERS.includes(HELPER)) throw new Error(`${meta.id}: ${HELPER} must be listed in INSTANCE_PATCH_HELPERS`);

interface Located {
  sf: ts.SourceFile;
  span: NodeSpan;
  /** The statement the helper goes after: the instance's `onAfterResponse` hook, or another patch's helper call after it. */
  anchor: ts.Statement;
  /** The statement whose indentation the helper takes (the instance's `onAfterResponse` hook). */
  after: ts.ExpressionStatement;
  receiver: string;
  /** The token cache the instance's hooks use, as an expression (`tokenCache`, `__internal_tokenCache`, Fix H's variable). */
  cache: string;
  /** The client JWT key, as the instance's own hook writes it (`import_constants.CLERK_CLIENT_JWT_KEY`). */
  key: string;
}

/** `<name>(<receiver>)` as a statement. */
const callsWith = (s: ts.Statement | undefined, name: string, receiver: string): boolean =>
  !!s &&
  ts.isExpressionStatement(s) &&
  ts.isCallExpression(unparen(s.expression)) &&
  textOfCall(unparen(s.expression) as ts.CallExpression) === `${name}(${receiver})`;

/** `a`, `a.b`, `a.b.c`: identifiers and property names only. */
function isNameChain(e: ts.Expression): boolean {
  const u = unparen(e);
  return ts.isIdentifier(u) || (ts.isPropertyAccessExpression(u) && ts.isIdentifier(u.name) && isNameChain(u.expression));
}

/** The object a `const <name> = X.saveToken` / `(k, t) => X.saveToken(k, t)` declaration reads the method from. */
function hookSource(d: ts.VariableDeclaration, method: string): string | undefined {
  if (!d.initializer) return undefined;
  let e = unparen(d.initializer);
  if (ts.isArrowFunction(e) && !ts.isBlock(e.body)) {
    const body = unparen(e.body);
    if (!ts.isCallExpression(body)) return undefined;
    e = unparen(body.expression);
  }
  if (!ts.isPropertyAccessExpression(e) || e.name.text !== method) return undefined;
  const obj = unparen(e.expression);
  return ts.isIdentifier(obj) ? obj.text : undefined;
}

/** `const <name> = …` declarations below `root`. */
function declarationsOf(root: ts.Node, name: string): ts.VariableDeclaration[] {
  const out: ts.VariableDeclaration[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/**
 * The calls saving the client JWT in the instance's onAfterResponse callback: `<local>(KEY, value)`
 * whose local reads a cache's saveToken, or `<cache>.saveToken(KEY, value)` on a plain name chain.
 */
function saveCalls(hook: ts.ExpressionStatement, factory: ts.Node, sf: ts.SourceFile): { cache: string; key: ts.Expression }[] {
  const out: { cache: string; key: ts.Expression }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && n.arguments.length === 2) {
      const callee = unparen(n.expression);
      if (ts.isIdentifier(callee)) {
        const decls = declarationsOf(factory, callee.text);
        const source = decls.length === 1 ? hookSource(decls[0]!, 'saveToken') : undefined;
        if (source) out.push({ cache: source, key: n.arguments[0]! });
      } else if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'saveToken' && isNameChain(callee.expression))
        out.push({ cache: textOf(unparen(callee.expression), sf), key: n.arguments[0]! });
    }
    ts.forEachChild(n, visit);
  };
  visit(hook);
  return out;
}

/** Does any node below `root` (outside patch helpers) assign `X.signOut = …`? */
function assignsSignOut(root: ts.Node, outside: (n: ts.Node) => boolean): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(unparen(n.left)) &&
      (unparen(n.left) as ts.PropertyAccessExpression).name.text === 'signOut' &&
      outside(n)
    )
      found = true;
    else ts.forEachChild(n, visit);
  };
  visit(root);
  return found;
}

function analyze(text: string, file: string): Analysis<Located> {
  if (!text.includes(FACTORY) || !text.includes(AFTER))
    return {
      detection: {
        status: 'not-affected',
        reason: `${file} has no ${FACTORY} registering ${AFTER} (the native Clerk singleton whose token cache this fix clears)`,
      },
    };
  const sf = parseJs(text, file);
  const one = oneTopLevelFunction<Located>(sf, FACTORY, file);
  if ('detection' in one) return one;
  const { fn: factory, span, refuse } = one;
  const body = factory.body as ts.Block;
  const at = { node: span };

  const outside = outsideInstancePatchHelpers(body);
  const before = hookStatements(body, BEFORE).filter((h) => outside(h.stmt));
  const after = hookStatements(body, AFTER).filter((h) => outside(h.stmt));
  if (before.length !== 1 || after.length !== 1)
    return refuse(`expected one \`X.${BEFORE}(…)\` and one \`X.${AFTER}(…)\` statement, found ${before.length} and ${after.length}`);
  const receiver = after[0]!.receiver;
  if (before[0]!.receiver !== receiver) return refuse(`${BEFORE} is registered on ${before[0]!.receiver} but ${AFTER} on ${receiver}`);
  const afterStmt = after[0]!.stmt;
  const siblings = (afterStmt.parent as ts.Block).statements;
  const i = siblings.indexOf(afterStmt);

  // This patch's helper: its declaration, then `helper(receiver)`, after the hook in the same block.
  const helpers = helperDeclarations(body, HELPER);
  const helper = helpers.length === 1 ? helpers[0]! : undefined;
  const j = helper ? siblings.indexOf(helper.stmt) : -1;
  if (helper && j > i && callsWith(siblings[j + 1], helper.name, receiver))
    return {
      detection: {
        status: 'patched',
        reason: `${span.label} hands its instance to ${helper.name}, which forgets the client JWT after a sign-out the server was not told of (this patch)`,
        ...at,
      },
    };
  if (helpers.length > 0)
    return refuse(`a half-present ${HELPER} (its declaration and \`${HELPER}(${receiver})\` after the ${AFTER} hook expected together)`);

  if (assignsSignOut(body, outside))
    return refuse(
      'it already assigns `X.signOut = …` (a sign-out wrapper this patch does not know); check what upstream does there, then update the fix',
    );
  const saves = saveCalls(afterStmt, body, sf);
  if (saves.length !== 1)
    return refuse(
      `expected one \`saveToken(KEY, …)\` call in the ${AFTER} hook (through a local reading a cache's saveToken, or cache.saveToken(…)), found ${saves.length}`,
    );
  const { cache, key } = saves[0]!;
  if (!isNameChain(key)) return refuse(`the client JWT key \`${textOf(key, sf)}\` is not a plain name (identifier or property chain)`);
  const root = (e: string) => e.split('.')[0]!;
  const shadowed = [cache, textOf(key, sf)].filter((e) => HELPER_LOCALS.includes(root(e)));
  if (shadowed.length > 0)
    return refuse(`${shadowed.join(' and ')} would be shadowed by the helper's own names (${HELPER_LOCALS.join(', ')})`);

  // Other patches' helpers placed right after the hook (declaration + call pairs) stay first.
  let k = i;
  const otherHelper = (s: ts.Statement | undefined): string | undefined =>
    s && ts.isVariableStatement(s)
      ? INSTANCE_PATCH_HELPERS.flatMap((p) => helperDeclarations(s, p)).find((h) => h.stmt === s)?.name
      : undefined;
  for (let name = otherHelper(siblings[k + 1]); name && callsWith(siblings[k + 2], name, receiver); name = otherHelper(siblings[k + 1]))
    k += 2;

  return {
    detection: {
      status: 'vulnerable',
      reason: `${span.label} keeps the client JWT after clerk-js signs out locally on a network error: the next launch restores the session the user signed out of`,
      ...at,
    },
    located: { sf, span, anchor: siblings[k]!, after: afterStmt, receiver, cache, key: textOf(key, sf) },
  };
}

/** The helper's source, indented with `base` (its own nesting by `unit`). */
function helperSource(name: string, l: Located, base: string, unit: string, comments: boolean): string {
  const lines = [
    `// Fix S (clerk-expo-patches): a sign-out of every session the server could not be told of forgets the client JWT,`,
    `// so the next launch starts signed out instead of restoring the session the user signed out of; when clerk-js`,
    `// rejects it on the network (React Native's navigator reads as online), the running app is left signed out too.`,
    `const ${name} = (clerk) => {`,
    `if (!clerk || typeof clerk.signOut !== "function") return;`,
    `const signOut = clerk.signOut;`,
    `const unreachable = (e) => !!e && typeof e === "object" && !("status" in e) && (e.code === "network_error" || (typeof e.message === "string" && e.message.startsWith("ClerkJS: Network error at ")));`,
    `clerk.signOut = async (...args) => {`,
    `\tconst client = clerk.client;`,
    `\tconst options = args[0] && typeof args[0] === "object" ? args[0] : args[1] || {};`,
    `\tconst signedIn = (c) => (c && Array.isArray(c.signedInSessions) ? c.signedInSessions : []);`,
    `\tconst everySession = !options.sessionId || signedIn(client).length === 1;`,
    `\tconst untold = () => everySession && !clerk.session && signedIn(clerk.client).length > 0;`,
    `\tconst forget = async () => {`,
    `\t\tconst cache = ${l.cache};`,
    `\t\tif (cache && typeof cache.clearToken === "function") await cache.clearToken(${l.key});`,
    `\t\telse if (cache && typeof cache.saveToken === "function") await cache.saveToken(${l.key}, "");`,
    `\t};`,
    `\tlet result;`,
    `\ttry {`,
    `\t\tresult = await signOut.apply(clerk, args);`,
    `\t} catch (error) {`,
    `\t\tif (unreachable(error) && untold()) {`,
    `\t\t\tawait forget().then(() => (typeof clerk.setActive === "function" ? clerk.setActive({ session: null }) : undefined)).catch(() => {});`,
    `\t\t}`,
    `\t\tthrow error;`,
    `\t}`,
    `\tif (untold()) await forget();`,
    `\treturn result;`,
    `};`,
  ];
  return layoutHelper(lines, name, l.receiver, base, unit, comments);
}

function edits(l: Located): Edit[] {
  const name = freeName(identifiers(l.sf), HELPER);
  return [helperAfter(l.sf, l.anchor, l.after, (base, unit) => helperSource(name, l, base, unit, !!base))];
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: (located, text) => ({ changed: true, text: splice(text, edits(located)), node: located.span }),
});
