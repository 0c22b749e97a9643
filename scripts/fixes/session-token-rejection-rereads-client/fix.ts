import ts from 'typescript';
import { meta } from './meta.ts';
import { defineFix, oneTopLevelFunction, type Analysis } from '../../codemod/define-fix.ts';
import type { NodeSpan } from '../../core/fix.ts';
import { identifiers, parseJs, splice, unparen, type Edit } from '../../codemod/js-ast.ts';
import {
  AFTER_HOOK as AFTER,
  BEFORE_HOOK as BEFORE,
  INSTANCE_PATCH_HELPERS,
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
 * Fix K: clerk-js answers a 401 to any request with `handleUnauthenticated()` (re-read the client
 * with one GET /v1/client; when the active session is gone from it, sign out locally), and every
 * other 4xx only with an error (`Base.ts` `_baseFetch`); `Session.getToken()` retries no 4xx but
 * 429. The Frontend API's contract lists 401, 403 and 404 for
 * `POST /v1/client/sessions/{id}/tokens`: when the server answers a token request for a session
 * it ended (revoked, expired, abandoned) with 404 or 403, the app keeps showing the user signed in
 * until it is restarted.
 *
 * The patch stays inside @clerk/expo's `createClerkInstance`, which owns the instance's request
 * hooks: right after the instance's own `onAfterResponse` hook (and after any other patch helper
 * placed there), it declares a helper and calls it with the instance. The helper registers one
 * more `onAfterResponse` hook which, for a POST to `/client/sessions/<id>/tokens[/<template>]`
 * answered 404 or 403 with a Clerk error body, where `<id>` is the active session, awaits
 * `clerk.handleUnauthenticated()` — the handler clerk-js itself runs on a 401 (through
 * @clerk/expo's own wrapper, where it installs one), so the re-read client decides: a session it
 * no longer holds is signed out as Clerk signs it out, a session it still holds stays. Concurrent
 * rejections share one re-read. Every other response (2xx, 401, other paths, another session, a
 * body without Clerk errors) passes untouched: no new request on the healthy path.
 */
const FACTORY = 'createClerkInstance';
/** The name the patch gives its helper (a fresh suffix if the file uses it). */
const HELPER = 'rereadClientOnTokenRejection';
/** Globals the helper's code reads: a file that binds one of them would change its meaning. */
const HELPER_GLOBALS = ['Promise', 'Array', 'String', 'decodeURIComponent'];

if (!INSTANCE_PATCH_HELPERS.includes(HELPER)) throw new Error(`${meta.id}: ${HELPER} must be listed in INSTANCE_PATCH_HELPERS`);

interface Located {
  sf: ts.SourceFile;
  span: NodeSpan;
  /** The statement the helper goes after: the instance's `onAfterResponse` hook, or another patch's helper call after it. */
  anchor: ts.Statement;
  /** The statement whose indentation the helper takes (the instance's `onAfterResponse` hook). */
  after: ts.ExpressionStatement;
  receiver: string;
}

/** Does any node below `root` (outside patch helpers) name `handleUnauthenticated`? */
function namesHandleUnauthenticated(root: ts.Node, outside: (n: ts.Node) => boolean): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && n.text === 'handleUnauthenticated' && outside(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(root);
  return found;
}

/** `<name>(<receiver>)` as a statement. */
const callsWith = (s: ts.Statement | undefined, name: string, receiver: string): boolean =>
  !!s &&
  ts.isExpressionStatement(s) &&
  ts.isCallExpression(unparen(s.expression)) &&
  textOfCall(unparen(s.expression) as ts.CallExpression) === `${name}(${receiver})`;

function analyze(text: string, file: string): Analysis<Located> {
  if (!text.includes(FACTORY) || !text.includes(AFTER))
    return {
      detection: {
        status: 'not-affected',
        reason: `${file} has no ${FACTORY} registering ${AFTER} (the native Clerk singleton whose responses this fix reads)`,
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
  if (before[0]!.stmt.parent !== afterStmt.parent) return refuse(`${BEFORE} and ${AFTER} are registered in different blocks`);
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
        reason: `${span.label} hands its instance to ${helper.name}, which re-reads the client when a token request for the active session is answered 404 or 403 (this patch)`,
        ...at,
      },
    };
  if (helpers.length > 0)
    return refuse(`a half-present ${HELPER} (its declaration and \`${HELPER}(${receiver})\` after the ${AFTER} hook expected together)`);

  if (namesHandleUnauthenticated(body, outside))
    return refuse(
      'it already names handleUnauthenticated (a reaction to rejected requests this patch does not know); check whether upstream handles a 404/403 token answer, then update the fix',
    );
  const shadowed = HELPER_GLOBALS.filter((g) => declaredNames(sf).has(g));
  if (shadowed.length > 0) return refuse(`the file binds ${shadowed.join(', ')}, which the patch's helper reads as globals`);

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
      reason: `${span.label} registers no reaction to a 404 or 403 token answer: a session the server ended stays signed in (clerk-js re-reads the client on a 401 only)`,
      ...at,
    },
    located: { sf, span, anchor: siblings[k]!, after: afterStmt, receiver },
  };
}

/** The helper's source, indented with `base` (its own nesting by `unit`). */
function helperSource(name: string, receiver: string, base: string, unit: string, comments: boolean): string {
  const lines = [
    `// Fix K (clerk-expo-patches): a session-token request for the active session answered 404 or 403 re-reads the`,
    `// client, as clerk-js does on a 401: a session the server ended is signed out, a session it still holds stays.`,
    `const ${name} = (clerk) => {`,
    `if (!clerk || typeof clerk.${AFTER} !== "function") return;`,
    `let pending;`,
    `clerk.${AFTER}(async (requestInit, response) => {`,
    `\tif (!response || (response.status !== 404 && response.status !== 403)) return;`,
    `\tif (String(requestInit.method || "GET").toUpperCase() !== "POST") return;`,
    `\tconst tokens = /^\\/client\\/sessions\\/([^/]+)\\/tokens(?:\\/[^/]+)?$/.exec(String(requestInit.path || ""));`,
    `\tconst errors = response.payload && response.payload.errors;`,
    `\tif (!tokens || !Array.isArray(errors) || errors.length === 0) return;`,
    `\tconst session = clerk.session;`,
    `\tif (!session || session.id !== decodeURIComponent(tokens[1]) || typeof clerk.handleUnauthenticated !== "function") return;`,
    `\tif (!pending) pending = Promise.resolve().then(() => clerk.handleUnauthenticated()).catch(() => void 0).then(() => {`,
    `\t\tpending = void 0;`,
    `\t});`,
    `\tawait pending;`,
    `});`,
  ];
  return layoutHelper(lines, name, receiver, base, unit, comments);
}

function edits(l: Located): Edit[] {
  const name = freeName(identifiers(l.sf), HELPER);
  return [helperAfter(l.sf, l.anchor, l.after, (base, unit) => helperSource(name, l.receiver, base, unit, !!base))];
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: (located, text) => ({ changed: true, text: splice(text, edits(located)), node: located.span }),
});
