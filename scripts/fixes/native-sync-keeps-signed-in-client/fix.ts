import ts from 'typescript';
import { meta, PROVIDER, SYNC_MODULE } from './meta.ts';
import { defineFix, type Analysis } from '../../codemod/define-fix.ts';
import type { AppliedEdit, NodeSpan, PackageSnapshot } from '../../core/fix.ts';
import { parseJs, splice, textOf, unparen, type Edit } from '../../codemod/js-ast.ts';

/**
 * Fix G: on a cold start (and on every native client event, and in 3.5+ on a 401) @clerk/expo
 * copies the native SDK's client token into the JS token cache and reloads the JS client from it
 * without asking whether that client is the one JS holds or has a session. A stale or
 * sessionless native client replaces the signed-in JS client (3.4.x also clears the JS token when
 * native has none after ~3 s), and the user is signed out. Same behaviour as upstream 4.0.3
 * (clerk/javascript#9222): while JS holds a signed-in client, a native token is adopted only when
 * the client it names is the JS client or carries a signed-in session; otherwise the JS token and
 * client stay (restored if already replaced), and a native side without a token never clears JS.
 *
 * Two shapes, found by structure:
 * - 3.4.x: `syncNativeClientToJs` in dist/provider/ClerkProvider.js polls the native token, writes
 *   it (or clears) with `syncClientTokenToCache`, then `__internal_reloadInitialResources()`.
 * - 3.5.2–4.0.2: `refreshJsClientFromNativeState` in dist/provider/nativeClientSync.js (used by the
 *   bootstrap, native events and the 401 wrapper) writes the native token, then refreshes the client.
 * The patch adds one helper, `adoptNativeClientKeepingSignedInSession`, and routes the signed-in
 * case of that one function through it.
 */
const ID = meta.id;
const HELPER = 'adoptNativeClientKeepingSignedInSession';

/** The helper both shapes call; every name it uses is a parameter. */
const helperText = (nl: string, i: string): string =>
  [
    `/** Waits for JS Clerk to load; while JS then holds a signed-in client, adopts the native client token only when it names the JS client or a client with a signed-in session, otherwise keeps (or restores) the JS token and client. A native side without a token, or a JS token that cannot be read, changes nothing. undefined: JS is not signed in, the caller goes on as before. */`,
    `async function ${HELPER}({ clerkInstance, nativeDeviceToken, readDeviceToken, writeDeviceToken, restoreDeviceToken, reconcile }) {`,
    `${i}if (!clerkInstance.loaded) {`,
    `${i}${i}await new Promise((resolve) => {`,
    `${i}${i}${i}const settled = (status) => status === "ready" || status === "degraded" || status === "error";`,
    `${i}${i}${i}if (typeof clerkInstance.on !== "function") return typeof clerkInstance.addOnLoaded === "function" ? clerkInstance.addOnLoaded(resolve) : resolve();`,
    `${i}${i}${i}const onStatus = (status) => {`,
    `${i}${i}${i}${i}if (!settled(status)) return;`,
    `${i}${i}${i}${i}clerkInstance.off?.("status", onStatus);`,
    `${i}${i}${i}${i}resolve();`,
    `${i}${i}${i}};`,
    `${i}${i}${i}clerkInstance.on("status", onStatus);`,
    `${i}${i}${i}if (clerkInstance.loaded || settled(clerkInstance.status)) onStatus("ready");`,
    `${i}${i}});`,
    `${i}}`,
    `${i}const previousClient = clerkInstance.client;`,
    `${i}if (!(previousClient?.signedInSessions?.length > 0)) return undefined;`,
    `${i}if (typeof previousClient?.fetch !== "function" || typeof clerkInstance.updateClient !== "function") return true;`,
    `${i}if (!nativeDeviceToken) {`,
    `${i}${i}// Nothing to adopt: keep the JS client JWT and refresh that client, so a session the server ended is gone here too.`,
    `${i}${i}clerkInstance.updateClient(await previousClient.fetch({ fetchMaxTries: 1 }));`,
    `${i}${i}await reconcile();`,
    `${i}${i}return true;`,
    `${i}}`,
    `${i}const previousClientId = previousClient.id;`,
    `${i}const previousDeviceToken = await readDeviceToken();`,
    `${i}if (!previousDeviceToken) return true;`,
    `${i}const snapshot = previousClient.__internal_toSnapshot?.();`,
    `${i}const restore = async () => {`,
    `${i}${i}if (snapshot && typeof previousClient.fromJSON === "function") previousClient.fromJSON(snapshot);`,
    `${i}${i}if (previousDeviceToken !== nativeDeviceToken) await restoreDeviceToken(previousDeviceToken);`,
    `${i}};`,
    `${i}let refreshedClient;`,
    `${i}try {`,
    `${i}${i}await writeDeviceToken(nativeDeviceToken);`,
    `${i}${i}refreshedClient = await previousClient.fetch({ fetchMaxTries: 1 });`,
    `${i}} catch (error) {`,
    `${i}${i}await restore();`,
    `${i}${i}throw error;`,
    `${i}}`,
    `${i}if (!refreshedClient || (refreshedClient.id !== previousClientId && !(refreshedClient.signedInSessions?.length > 0))) {`,
    `${i}${i}await restore();`,
    `${i}${i}clerkInstance.updateClient(previousClient);`,
    `${i}${i}await reconcile();`,
    `${i}${i}return true;`,
    `${i}}`,
    `${i}clerkInstance.updateClient(refreshedClient);`,
    `${i}await reconcile();`,
    `${i}return true;`,
    `}`,
  ].join(nl);

type Fn = ts.FunctionDeclaration & { body: ts.Block; name: ts.Identifier };

/** Top-level function declarations by name. */
function topFunctions(sf: ts.SourceFile): Map<string, Fn[]> {
  const out = new Map<string, Fn[]>();
  for (const s of sf.statements) {
    if (ts.isFunctionDeclaration(s) && s.name && s.body) out.set(s.name.text, [...(out.get(s.name.text) ?? []), s as Fn]);
  }
  return out;
}

/** Names bound by a function's first parameter when it is an object pattern (`{ a, b: c = 1 }` → a ↦ a, b ↦ c). */
function paramBindings(fn: ts.FunctionDeclaration): Map<string, string> | undefined {
  const p = fn.parameters[0];
  if (!p || !ts.isObjectBindingPattern(p.name)) return undefined;
  const out = new Map<string, string>();
  for (const el of p.name.elements) {
    const prop = el.propertyName ?? el.name;
    if (ts.isIdentifier(prop) && ts.isIdentifier(el.name)) out.set(prop.text, el.name.text);
  }
  return out;
}

/** `await f(…)` or `f(…)` as an expression: the call, when its callee is the identifier `name`. */
function callTo(e: ts.Expression | undefined, name: string): ts.CallExpression | undefined {
  if (!e) return undefined;
  let n = unparen(e);
  if (ts.isAwaitExpression(n)) n = unparen(n.expression);
  return ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name ? n : undefined;
}

/** Does anything below `root` call the identifier `name`? */
function calls(root: ts.Node, name: string): boolean {
  let hit = false;
  const visit = (n: ts.Node): void => {
    if (hit) return;
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) hit = true;
    else ts.forEachChild(n, visit);
  };
  visit(root);
  return hit;
}

const lineIndent = (sf: ts.SourceFile, pos: number): string => {
  const start = sf.text.lastIndexOf('\n', pos - 1) + 1;
  const ind = sf.text.slice(start, pos);
  return /^[ \t]*$/.test(ind) ? ind : '';
};
/** One indentation step of the file (a tab in rolldown output, else two spaces). */
const indentUnit = (sf: ts.SourceFile): string => (/\n\t/.test(sf.text) ? '\t' : '  ');

interface Located {
  sf: ts.SourceFile;
  span: NodeSpan;
  fn: Fn;
  /** The statement to insert right before (the guard call), and the guard's text. */
  insertBefore: ts.Statement;
  guard: string;
}

const label = (fn: Fn) => `FunctionDeclaration ${fn.name.text}`;
const spanOf = (fn: Fn, sf: ts.SourceFile): NodeSpan => ({ label: label(fn), start: fn.getStart(sf), end: fn.end });

/** 3.5.2–4.0.2: nativeClientSync.js. */
function analyzeSyncModule(sf: ts.SourceFile, file: string, fns: Map<string, Fn[]>): Analysis<Located> {
  const one = (name: string): Fn | undefined => (fns.get(name)?.length === 1 ? fns.get(name)![0] : undefined);
  const fn = one('refreshJsClientFromNativeState');
  if (!fn)
    return {
      detection: {
        status: 'unknown-shape',
        reason: `${file} declares syncNativeClientToJs but not exactly one refreshJsClientFromNativeState`,
      },
    };
  const span = spanOf(fn, sf);
  const at = { node: span };
  const refuse = (why: string): Analysis<Located> => ({
    detection: { status: 'unknown-shape', reason: `${span.label} in ${file}: ${why}`, ...at },
  });
  const params = paramBindings(fn);
  if (!params) return refuse('expected one destructured options parameter');
  if (params.has('previousDeviceToken') || params.has('rejectForeignSessionlessClient')) {
    return {
      detection: {
        status: 'fixed-upstream',
        reason: `${span.label} takes the previous JS device token and rejects a foreign session-less client (upstream fix)`,
        ...at,
      },
    };
  }
  if (fns.has(HELPER) && calls(fn.body, HELPER)) {
    return { detection: { status: 'patched', reason: `${span.label} routes a signed-in JS client through ${HELPER} (this patch)`, ...at } };
  }
  for (const p of ['clerkInstance', 'nativeDeviceToken', 'shouldSyncDeviceToken', 'suppressTokenCacheNotificationsRef', 'tokenCache']) {
    if (!params.has(p)) return refuse(`its options do not destructure ${p}`);
  }
  for (const f of [
    'getDefaultSignedInSession',
    'syncDeviceTokenToCache',
    'syncNativeDeviceTokenToCache',
    'getCachedDeviceToken',
    'reconcileJsActiveSessionFromClient',
  ]) {
    if (!one(f)) return refuse(`the module does not declare exactly one ${f}()`);
  }
  const first = fn.body.statements[0];
  const sync =
    first &&
    ts.isIfStatement(first) &&
    ts.isIdentifier(unparen(first.expression)) &&
    (unparen(first.expression) as ts.Identifier).text === params.get('shouldSyncDeviceToken')
      ? callTo(ts.isExpressionStatement(first.thenStatement) ? first.thenStatement.expression : undefined, 'syncNativeDeviceTokenToCache')
      : undefined;
  if (!first || !sync)
    return refuse(
      'expected it to start with `if (shouldSyncDeviceToken) await syncNativeDeviceTokenToCache(…)`, writing the native token unchecked',
    );
  if (!fn.body.statements.some((s) => ts.isIfStatement(s) && !!callTo(s.expression, 'refreshJsClientFromServer')))
    return refuse('expected `if (await refreshJsClientFromServer(…))` after the token write');
  const v = (p: string) => params.get(p)!;
  const guard =
    `if (${v('shouldSyncDeviceToken')} && (!${v('clerkInstance')}.loaded || getDefaultSignedInSession(${v('clerkInstance')}.client))) { const kept = await ${HELPER}({ clerkInstance: ${v('clerkInstance')}, nativeDeviceToken: ${v('nativeDeviceToken')}, ` +
    `readDeviceToken: () => getCachedDeviceToken(${v('tokenCache')}), ` +
    `writeDeviceToken: (deviceToken) => syncNativeDeviceTokenToCache({ deviceToken, suppressTokenCacheNotificationsRef: ${v('suppressTokenCacheNotificationsRef')}, tokenCache: ${v('tokenCache')} }), ` +
    `restoreDeviceToken: (deviceToken) => syncDeviceTokenToCache(${v('tokenCache')}, deviceToken), ` +
    `reconcile: () => reconcileJsActiveSessionFromClient({ clerkInstance: ${v('clerkInstance')} }) }); if (kept !== undefined) return kept; }`;
  return {
    detection: {
      status: 'vulnerable',
      reason: `${span.label} writes the native client token into the JS token cache and refreshes the JS client from it without checking that it is the JS client or holds a session`,
      ...at,
    },
    located: { sf, span, fn, insertBefore: first, guard },
  };
}

/** 3.4.x: syncNativeClientToJs inside ClerkProvider.js. */
function analyzeProvider(sf: ts.SourceFile, file: string, fn: Fn, fns: Map<string, Fn[]>): Analysis<Located> {
  const span = spanOf(fn, sf);
  const at = { node: span };
  const refuse = (why: string): Analysis<Located> => ({
    detection: { status: 'unknown-shape', reason: `${span.label} in ${file}: ${why}`, ...at },
  });
  if (fns.has(HELPER) && calls(fn.body, HELPER)) {
    return { detection: { status: 'patched', reason: `${span.label} routes a signed-in JS client through ${HELPER} (this patch)`, ...at } };
  }
  const params = paramBindings(fn);
  const clerk = params?.get('clerkInstance');
  if (!params || !clerk) return refuse('expected a destructured `{ clerkInstance, tokenCache }` parameter');
  const [first, second] = fn.body.statements;
  // const nativeClientToken = await waitForNativeClientToken();
  const decl =
    first && ts.isVariableStatement(first) && first.declarationList.declarations.length === 1
      ? first.declarationList.declarations[0]!
      : undefined;
  if (!decl || !ts.isIdentifier(decl.name) || !callTo(decl.initializer, 'waitForNativeClientToken'))
    return refuse('expected it to start with `const token = await waitForNativeClientToken()`');
  const token = decl.name.text;
  // await syncClientTokenToCache(<cache>, token);
  const write = second && ts.isExpressionStatement(second) ? callTo(second.expression, 'syncClientTokenToCache') : undefined;
  if (
    !write ||
    write.arguments.length !== 2 ||
    !ts.isIdentifier(write.arguments[1]!) ||
    (write.arguments[1] as ts.Identifier).text !== token
  ) {
    return refuse(`expected \`await syncClientTokenToCache(cache, ${token})\` right after, writing (or clearing) the JS token unchecked`);
  }
  // The key the token is saved under, read from syncClientTokenToCache's own saveToken(KEY, token) call.
  const writer = fns.get('syncClientTokenToCache');
  if (writer?.length !== 1) return refuse('the module does not declare exactly one syncClientTokenToCache()');
  let key: string | undefined;
  const visit = (n: ts.Node): void => {
    if (key) return;
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      n.expression.name.text === 'saveToken' &&
      n.arguments.length === 2
    )
      key = textOf(n.arguments[0]!, sf);
    else ts.forEachChild(n, visit);
  };
  visit(writer[0]!.body);
  if (!key) return refuse('syncClientTokenToCache() has no saveToken(KEY, token) call to read the key from');
  const cache = textOf(write.arguments[0]!, sf);
  const guard =
    `if (!${clerk}.loaded || ${clerk}.client?.signedInSessions?.length > 0) { if ((await ${HELPER}({ clerkInstance: ${clerk}, nativeDeviceToken: ${token}, ` +
    `readDeviceToken: async () => (await (${cache})?.getToken(${key})) ?? null, ` +
    `writeDeviceToken: (deviceToken) => syncClientTokenToCache(${cache}, deviceToken), ` +
    `restoreDeviceToken: (deviceToken) => syncClientTokenToCache(${cache}, deviceToken), ` +
    `reconcile: async () => { const sessionId = ${clerk}.client?.lastActiveSessionId; if (sessionId && sessionId !== ${clerk}.session?.id && typeof ${clerk}.setActive === "function") await ${clerk}.setActive({ session: sessionId }); } })) !== undefined) return; }`;
  return {
    detection: {
      status: 'vulnerable',
      reason: `${span.label} writes the native client token (or clears the JS one when native has none) and reloads the JS client without checking that it is the JS client or holds a session`,
      ...at,
    },
    located: { sf, span, fn, insertBefore: second!, guard },
  };
}

function analyze(text: string, file: string): Analysis<Located> {
  if (!text.includes('syncNativeClientToJs'))
    return {
      detection: { status: 'not-affected', reason: `${file} has no syncNativeClientToJs (the native→JS client sync this fix guards)` },
    };
  const sf = parseJs(text, file);
  const fns = topFunctions(sf);
  const syncs = fns.get('syncNativeClientToJs') ?? [];
  if (syncs.length !== 1)
    return {
      detection: {
        status: syncs.length === 0 ? 'not-affected' : 'unknown-shape',
        reason: `expected one top-level syncNativeClientToJs function in ${file}, found ${syncs.length}`,
      },
    };
  if (fns.has('refreshJsClientFromNativeState') || fns.has('refreshJsClientFromServer')) return analyzeSyncModule(sf, file, fns);
  if (fns.has('waitForNativeClientToken')) return analyzeProvider(sf, file, syncs[0]!, fns);
  return {
    detection: {
      status: 'unknown-shape',
      reason: `${file}: syncNativeClientToJs found, but neither the 3.4 shape (waitForNativeClientToken) nor the 3.5+ shape (refreshJsClientFromNativeState)`,
      node: spanOf(syncs[0]!, sf),
    },
  };
}

function edit(l: Located, text: string): AppliedEdit {
  const { sf, fn } = l;
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const at = l.insertBefore.getStart(sf);
  const ind = lineIndent(sf, at);
  // The helper goes in front of the function, as whole lines: a diff shows it as one added declaration.
  const lineStart = text.lastIndexOf('\n', fn.getStart(sf) - 1) + 1;
  const fnInd = text.slice(lineStart, fn.getStart(sf));
  const helper =
    helperText(nl, indentUnit(sf))
      .split(nl)
      .map((line) => (line ? fnInd + line : line))
      .join(nl) + nl;
  const out = splice(text, [
    { start: lineStart, end: lineStart, text: helper },
    { start: at, end: at, text: ind ? `${l.guard}${nl}${ind}` : l.guard },
  ]);
  const added = topFunctions(parseJs(out, 'patched.js')).get(HELPER)?.[0];
  if (!added) throw new Error(`${ID}: the helper did not parse back as a top-level function`);
  const helperSpan: NodeSpan = { label: `FunctionDeclaration ${HELPER}`, start: lineStart, end: added.end };
  return { changed: true, text: out, node: { ...l.span, start: lineStart }, added: [helperSpan] };
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit,
});
