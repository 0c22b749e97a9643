import ts from 'typescript';
import { meta } from './meta.ts';
import { defineFix, oneTopLevelFunction, type Analysis } from '../../codemod/define-fix.ts';
import type { NodeSpan } from '../../core/fix.ts';
import { identifiers, parseJs, splice, unparen, type Edit } from '../../codemod/js-ast.ts';
import {
  AFTER_HOOK as AFTER,
  BEFORE_HOOK as BEFORE,
  declaredNames,
  freeName,
  helperAfter,
  helperDeclarations,
  hookStatements,
  layoutHelper,
  outsideInstancePatchHelpers,
  textOfCall,
} from '../../codemod/clerk-instance-hooks.ts';

/**
 * Fix J: on React Native, clerk-js's load() reads GET /v1/environment and GET /v1/client with no
 * timeout and no abort, and @clerk/react calls load() once. A request that never answers (a
 * connection hung after a network change; Android's HTTP stack has no default timeout) leaves
 * load() pending forever: `isLoaded` stays false although the client JWT is in the token cache.
 * A load that fails on the network ends in status `error`, never retried unless the resource
 * cache is configured.
 *
 * The patch stays inside @clerk/expo's `createClerkInstance`, which owns the instance's request
 * hooks: right after it registers its own `onBeforeRequest` / `onAfterResponse` hooks, it declares
 * a helper and calls it with the instance. The helper
 * - gives every GET /environment and GET /client made while load() runs an AbortSignal that fires
 *   after a bound (15 s, doubled per failed round, at most 60 s: a slow server that answers after
 *   20 s is answered on the second round), cleared when the response arrives;
 * - wraps `clerk.load`: a round in which a load request got no answer (aborted or failed on the
 *   network) is retried after a backoff (1 s doubling to 15 s) while the app is in the foreground,
 *   at once when it returns to the foreground; rounds in which every request was answered end
 *   as before (an HTTP error still rejects). load() itself stays pending meanwhile, so `isLoaded`
 *   becomes true only once the server has answered, and the stored client JWT is sent on every
 *   round (no new client, nothing replaces it).
 * clerk-js < 6.3.2 resolves load() with an empty client when a request fails on the network (it
 * believes React Native is offline); the wrapper then re-reads both resources with clerk-js's
 * `__internal_reloadInitialResources` until they answer. With the resource cache configured,
 * clerk-js's own fallback (a degraded load from the cache) is kept as it is.
 */
const FACTORY = 'createClerkInstance';
/** The name the patch gives its helper (a fresh suffix if the file uses it). */
const HELPER = 'retryLoadUntilAnswered';
/** Globals the helper's code reads: a file that binds one of them would change its meaning. */
const HELPER_GLOBALS = ['AbortController', 'WeakMap', 'Promise', 'Math', 'setTimeout', 'clearTimeout'];

/** The top-level binding of `require("react-native")` (tsup: `var import_react_native = …`, rolldown: `let react_native = …`). */
function reactNativeBinding(sf: ts.SourceFile): string | undefined {
  for (const s of sf.statements) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || !d.initializer) continue;
      let e = unparen(d.initializer);
      // `__toESM(require("react-native"))` and similar one-argument wrappers.
      if (ts.isCallExpression(e) && e.arguments.length >= 1 && ts.isCallExpression(unparen(e.arguments[0]!))) e = unparen(e.arguments[0]!);
      if (
        ts.isCallExpression(e) &&
        ts.isIdentifier(e.expression) &&
        e.expression.text === 'require' &&
        e.arguments.length === 1 &&
        ts.isStringLiteral(e.arguments[0]!) &&
        e.arguments[0].text === 'react-native'
      )
        return d.name.text;
    }
  }
  return undefined;
}

/** An assignment to `<anything>.signal` below the node (a bound on requests added by someone else). */
function assignsSignal(root: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(unparen(n.left)) &&
      (unparen(n.left) as ts.PropertyAccessExpression).name.text === 'signal'
    )
      found = true;
    else ts.forEachChild(n, visit);
  };
  visit(root);
  return found;
}

interface Located {
  sf: ts.SourceFile;
  span: NodeSpan;
  body: ts.Block;
  /** The instance's `onAfterResponse` hook statement: the helper call goes right after it. */
  after: ts.ExpressionStatement;
  receiver: string;
  reactNative: string;
}

function analyze(text: string, file: string): Analysis<Located> {
  if (!text.includes(FACTORY) || !text.includes(BEFORE))
    return {
      detection: {
        status: 'not-affected',
        reason: `${file} has no ${FACTORY} registering ${BEFORE} (the native Clerk singleton whose load this fix bounds)`,
      },
    };
  const sf = parseJs(text, file);
  const one = oneTopLevelFunction<Located>(sf, FACTORY, file);
  if ('detection' in one) return one;
  const { fn: factory, span, refuse } = one;
  const body = factory.body as ts.Block;
  const at = { node: span };

  // The patch's helper, if present: `const retryLoadUntilAnswered = (clerk) => {…};` then its call, right after the hooks.
  const helpers = helperDeclarations(body, HELPER);
  // Hooks inside a patch's helper (this fix's or another's, e.g. Fix K's) are not the instance's own.
  const outsideHelpers = outsideInstancePatchHelpers(body);

  const before = hookStatements(body, BEFORE).filter((h) => outsideHelpers(h.stmt));
  const after = hookStatements(body, AFTER).filter((h) => outsideHelpers(h.stmt));
  if (before.length !== 1 || after.length !== 1)
    return refuse(`expected one \`X.${BEFORE}(…)\` and one \`X.${AFTER}(…)\` statement, found ${before.length} and ${after.length}`);
  const receiver = before[0]!.receiver;
  if (after[0]!.receiver !== receiver) return refuse(`${BEFORE} is registered on ${receiver} but ${AFTER} on ${after[0]!.receiver}`);
  const afterStmt = after[0]!.stmt;

  const siblings = (afterStmt.parent as ts.Block).statements;
  const i = siblings.indexOf(afterStmt);
  const [decl, call] = [siblings[i + 1], siblings[i + 2]];
  const helper = helpers.length === 1 && decl === helpers[0]!.stmt ? helpers[0]! : undefined;
  const callsHelper =
    !!helper &&
    !!call &&
    ts.isExpressionStatement(call) &&
    ts.isCallExpression(unparen(call.expression)) &&
    textOfCall(unparen(call.expression) as ts.CallExpression) === `${helper.name}(${receiver})`;
  if (helper && callsHelper)
    return {
      detection: {
        status: 'patched',
        reason: `${span.label} hands its instance to ${helper.name}, which bounds load requests and retries load() (this patch)`,
        ...at,
      },
    };
  if (helpers.length > 0)
    return refuse(
      `a half-present ${HELPER} (its declaration and \`${HELPER}(${receiver})\` right after the ${AFTER} hook expected together)`,
    );

  const hooksOwner = before[0]!.stmt.parent;
  if (assignsSignal(body))
    return refuse(
      'it already assigns a request `signal` (a bound on requests this patch does not know); check whether upstream fixed the hang, then update the fix',
    );
  if (hooksOwner !== afterStmt.parent) return refuse(`${BEFORE} and ${AFTER} are registered in different blocks`);
  const reactNative = reactNativeBinding(sf);
  if (!reactNative)
    return refuse('no top-level `require("react-native")` binding (the retry waits for the foreground through its AppState)');
  const declared = declaredNames(sf);
  const shadowed = HELPER_GLOBALS.filter((g) => declared.has(g));
  if (shadowed.length > 0) return refuse(`the file binds ${shadowed.join(', ')}, which the patch's helper reads as globals`);

  return {
    detection: {
      status: 'vulnerable',
      reason: `${span.label} loads with no bound on /v1/environment and /v1/client and no retry: a request that never answers leaves isLoaded false forever`,
      ...at,
    },
    located: { sf, span, body, after: afterStmt, receiver, reactNative },
  };
}

/** The helper's source, indented with `base` (its own nesting by `unit`). */
function helperSource(name: string, receiver: string, rn: string, base: string, unit: string, comments: boolean): string {
  const lines = [
    `// Fix J (clerk-expo-patches): a load request that has not answered within a bound is aborted, and load() is`,
    `// retried with backoff while the app is in the foreground, until the server answers.`,
    `const ${name} = (clerk) => {`,
    `if (!clerk || typeof clerk.load !== "function" || typeof AbortController !== "function") return;`,
    `const load = clerk.load;`,
    `const tracked = new WeakMap();`,
    `let round;`,
    `let pending;`,
    `clerk.${BEFORE}((requestInit) => {`,
    `\tif (!round || requestInit.signal || String(requestInit.method || "GET").toUpperCase() !== "GET") return;`,
    `\tif (requestInit.path !== "/environment" && requestInit.path !== "/client") return;`,
    `\tconst controller = new AbortController();`,
    `\tconst entry = { answered: false, timer: setTimeout(() => controller.abort(), round.bound) };`,
    `\tround.requests.push(entry);`,
    `\ttracked.set(requestInit, entry);`,
    `\trequestInit.signal = controller.signal;`,
    `});`,
    `clerk.${AFTER}((requestInit) => {`,
    `\tconst entry = tracked.get(requestInit);`,
    `\tif (!entry) return;`,
    `\tentry.answered = true;`,
    `\tclearTimeout(entry.timer);`,
    `});`,
    `const appState = ${rn}.AppState;`,
    `const foreground = () => !appState || !appState.currentState || appState.currentState === "active";`,
    `const pause = (ms) => new Promise((resolve) => {`,
    `\tlet subscription;`,
    `\tconst done = () => {`,
    `\t\tclearTimeout(timer);`,
    `\t\tif (subscription && typeof subscription.remove === "function") subscription.remove();`,
    `\t\tresolve();`,
    `\t};`,
    `\tconst timer = setTimeout(() => {`,
    `\t\tif (foreground()) done();`,
    `\t}, ms);`,
    `\tif (appState && typeof appState.addEventListener === "function") subscription = appState.addEventListener("change", (state) => {`,
    `\t\tif (state === "active") done();`,
    `\t});`,
    `});`,
    `const run = async (options) => {`,
    `\tif (clerk.loaded) return load(options);`,
    `\tfor (let failures = 0;; failures++) {`,
    `\t\tconst current = { bound: Math.min(15e3 * 2 ** failures, 6e4), requests: [] };`,
    `\t\tround = current;`,
    `\t\tlet failed = false;`,
    `\t\tlet error;`,
    `\t\ttry {`,
    `\t\t\tif (!clerk.loaded) await load(options);`,
    `\t\t\telse if (typeof clerk.__internal_reloadInitialResources === "function") {`,
    `\t\t\t\t// load() took a network failure for "no data" (clerk-js < 6.3.2): an empty client without id is no client;`,
    `\t\t\t\t// unset, the reload picks the session as a first load does.`,
    `\t\t\t\tif (!clerk.session && clerk.client && !clerk.client.id) clerk.client = void 0;`,
    `\t\t\t\tawait clerk.__internal_reloadInitialResources();`,
    `\t\t\t} else return;`,
    `\t\t} catch (e) {`,
    `\t\t\tfailed = true;`,
    `\t\t\terror = e;`,
    `\t\t} finally {`,
    `\t\t\t// A request still unanswered keeps its bound: one that load() no longer waits for, or that another`,
    `\t\t\t// caller made during the round (a client reload), is aborted when its bound passes, not left hung.`,
    `\t\t\tround = void 0;`,
    `\t\t}`,
    `\t\tconst unanswered = current.requests.some((r) => !r.answered);`,
    `\t\tif (!unanswered && failed) throw error;`,
    `\t\tif (!unanswered || (!failed && clerk.__internal_getCachedResources)) return;`,
    `\t\tawait pause(Math.min(1e3 * 2 ** failures, 15e3));`,
    `\t}`,
    `};`,
    `clerk.load = (options) => pending || (pending = run(options).finally(() => {`,
    `\tpending = void 0;`,
    `}));`,
  ];
  // The comment and the declaration at the base indent; the body one level in.
  return layoutHelper(lines, name, receiver, base, unit, comments);
}

function edits(l: Located): Edit[] {
  // The helper and its call, right after the instance's own onAfterResponse hook.
  const name = freeName(identifiers(l.sf), HELPER);
  return [helperAfter(l.sf, l.after, l.after, (base, unit) => helperSource(name, l.receiver, l.reactNative, base, unit, !!base))];
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: (located, text) => ({ changed: true, text: splice(text, edits(located)), node: located.span }),
});
