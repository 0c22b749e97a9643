import ts from 'typescript';
import { meta, PROVIDER, SYNC_MODULE } from './meta.ts';
import { defineFix, type Analysis } from '../../codemod/define-fix.ts';
import type { AppliedEdit, NodeSpan, PackageSnapshot } from '../../core/fix.ts';
import { firstCall, parseJs, splice, textOf, unparen, type Edit } from '../../codemod/js-ast.ts';
import { nativeTokenReadLines, READ_HELPER_GLOBALS } from '../../codemod/native-token-read.ts';

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
/** The helper's own function that reads the native client with the native token in the request (`scripts/codemod/native-token-read.ts`). */
const READ_HELPER = 'readClientWithNativeToken';

/** An earlier version of this patch: its helper wrote the native token into the token cache before its check answered. */
const EARLIER_HELPER = `an earlier ${HELPER} (it writes the native token into the token cache before its check answers): reinstall the package and apply the current patch`;

/** The declared helper reads the native client with the token in its own request (this version of the patch). */
const readsWithNativeToken = (fns: Map<string, Fn[]>): boolean =>
  fns.get(HELPER)?.some((f) => !!f.body?.statements.some((s) => ts.isFunctionDeclaration(s) && s.name?.text === READ_HELPER)) ?? false;

/** The helper both shapes call; every name it uses is a parameter (its nested read helper reads only globals). */
const helperText = (nl: string, i: string): string =>
  [
    `/** Waits for JS Clerk to load; while JS then holds a signed-in client, adopts the native client token only when it names the JS client or a client with a signed-in session, otherwise keeps (or restores) the JS token and client. A native side without a token never clears JS; a JS token that cannot be read in time, or a client that cannot be checked, keeps JS as it is. undefined: the caller goes on as before. */`,
    `async function ${HELPER}({ clerkInstance, nativeDeviceToken, readDeviceToken, readTimeoutMs, writeDeviceToken, restoreDeviceToken, pushDeviceTokenToNative, reconcile }) {`,
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
    `${i}const canVerify = typeof previousClient?.fetch === "function" && typeof clerkInstance.updateClient === "function";`,
    `${i}if (!nativeDeviceToken) {`,
    `${i}${i}if (!canVerify) return true;`,
    `${i}${i}// Nothing to adopt: keep the JS client JWT and refresh that client, so a session the server ended is gone here too.`,
    `${i}${i}clerkInstance.updateClient(await previousClient.fetch({ fetchMaxTries: 1 }));`,
    `${i}${i}await reconcile();`,
    `${i}${i}return true;`,
    `${i}}`,
    `${i}const previousClientId = previousClient.id;`,
    `${i}// null: the JS token cache holds no token (adopt, checked); undefined: it did not answer in time (keep JS as it is).`,
    `${i}let timer;`,
    `${i}const previousDeviceToken = await Promise.race([`,
    `${i}${i}Promise.resolve(readDeviceToken()).then((token) => token ?? null),`,
    `${i}${i}...(readTimeoutMs > 0 ? [new Promise((resolve) => { timer = setTimeout(() => resolve(undefined), readTimeoutMs); })] : []),`,
    `${i}]).finally(() => clearTimeout(timer));`,
    `${i}if (previousDeviceToken === undefined) return true;`,
    `${i}if (!canVerify) {`,
    `${i}${i}if (!previousDeviceToken) return undefined;`,
    `${i}${i}// The native client cannot be checked: keep the JS token and hand it back to the native side.`,
    `${i}${i}pushDeviceTokenToNative?.(previousDeviceToken);`,
    `${i}${i}return true;`,
    `${i}}`,
    `${i}const snapshot = previousClient.__internal_toSnapshot?.();`,
    `${i}const restore = async () => {`,
    `${i}${i}if (snapshot && typeof previousClient.fromJSON === "function") previousClient.fromJSON(snapshot);`,
    `${i}${i}if (previousDeviceToken !== nativeDeviceToken) await restoreDeviceToken(previousDeviceToken);`,
    `${i}};`,
    ...nativeTokenReadLines(READ_HELPER).map((line) => i + line.replace(/^\t+/, (tabs) => i.repeat(tabs.length))),
    `${i}// The native token travels with the read that checks it; the token cache keeps the JS client JWT until the check accepts it.`,
    `${i}const carried = ${READ_HELPER}(clerkInstance, nativeDeviceToken);`,
    `${i}let refreshedClient;`,
    `${i}try {`,
    `${i}${i}if (!carried) await writeDeviceToken(nativeDeviceToken);`,
    `${i}${i}refreshedClient = carried ? await carried.fetch(() => previousClient.fetch({ fetchMaxTries: 1 })) : await previousClient.fetch({ fetchMaxTries: 1 });`,
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
    `${i}if (carried && !carried.storedByResponse) await writeDeviceToken(nativeDeviceToken);`,
    `${i}clerkInstance.updateClient(refreshedClient);`,
    `${i}await reconcile();`,
    `${i}return true;`,
    `}`,
  ].join(nl);

/** 4.0.3–4.0.4: what the foreign-session-less check compares the refreshed client with. */
const SNAPSHOT_HELPER = 'snapshotClientBeforeRefresh';
const snapshotHelperText = (nl: string, i: string): string =>
  [
    `/** The JS client as it was before a refresh: its id and signed-in sessions (read like a client) and a way back to that state. clerk-js's Client.fetch() refetches into the same object, so the client itself cannot stand for "before". */`,
    `function ${SNAPSHOT_HELPER}(client) {`,
    `${i}if (!client) return client;`,
    `${i}const state = typeof client.__internal_toSnapshot === "function" && typeof client.fromJSON === "function" ? client.__internal_toSnapshot() : null;`,
    `${i}return { id: client.id, lastActiveSessionId: client.lastActiveSessionId, signedInSessions: [...(client.signedInSessions ?? [])], restore: state ? () => client.fromJSON(state) : null };`,
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

/** 3.4.x–4.0.2: a guard call in front of the token write, and the adopting helper. */
interface GuardSite {
  kind: 'guard';
  sf: ts.SourceFile;
  span: NodeSpan;
  fn: Fn;
  /** The statement to insert right before (the guard call), and the guard's text. */
  insertBefore: ts.Statement;
  guard: string;
}
/** 4.0.3–4.0.4: upstream's check, fed a snapshot instead of the live client, and the rejected client restored. */
interface SnapshotSite {
  kind: 'snapshot';
  sf: ts.SourceFile;
  span: NodeSpan;
  fn: Fn;
  /** `<clerk>.client`, the initializer of the variable the check compares with. */
  liveClient: ts.Expression;
  /** The `return` that ends the rejecting branch, and the restore inserted before it. */
  rejectReturn: ts.ReturnStatement;
  restore: string;
}
type Located = GuardSite | SnapshotSite;

/** Inside getCachedDeviceToken: the key of its `x.getToken(KEY)` call and the delay of its `setTimeout(…, MS)` (texts). */
function readOfCachedDeviceToken(sf: ts.SourceFile, fn: Fn): { key: string; timeout: string } | undefined {
  let key: string | undefined;
  let timeout: string | undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const c = n.expression;
      if (!key && ts.isPropertyAccessExpression(c) && c.name.text === 'getToken' && n.arguments.length === 1)
        key = textOf(n.arguments[0]!, sf);
      if (!timeout && ts.isIdentifier(c) && c.text === 'setTimeout' && n.arguments.length === 2) timeout = textOf(n.arguments[1]!, sf);
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return key && timeout ? { key, timeout } : undefined;
}

/** Inside readNativeDeviceToken: the expression of `const X = <module>.ClerkExpoModule` (text). */
function nativeModuleOf(sf: ts.SourceFile, fn: Fn | undefined): string | undefined {
  let out: string | undefined;
  const visit = (n: ts.Node): void => {
    if (out) return;
    if (
      ts.isVariableDeclaration(n) &&
      n.initializer &&
      ts.isPropertyAccessExpression(n.initializer) &&
      n.initializer.name.text === 'ClerkExpoModule'
    )
      out = textOf(n.initializer, sf);
    else ts.forEachChild(n, visit);
  };
  if (fn) visit(fn.body);
  return out;
}

/** The name of a top-level `const NAME = "…"`, when the module declares it. */
function topConst(sf: ts.SourceFile, name: string): string | undefined {
  for (const s of sf.statements) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations)
      if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer && ts.isStringLiteral(d.initializer)) return name;
  }
  return undefined;
}

/**
 * 4.0.3+: upstream's own check (#9222) is there. 4.0.3–4.0.4 compare the refreshed client with
 * `const previousClient = clerkInstance.client`, the very object clerk-js's Client.fetch()
 * refetched into, so the check never engages (vulnerable); 4.1.0 compares a snapshot, 4.1.1+ also
 * restores the rejected client (fixed upstream); this patch feeds the check a snapshot (patched).
 */
function analyzeUpstreamCheck(
  sf: ts.SourceFile,
  file: string,
  fn: Fn,
  fns: Map<string, Fn[]>,
  params: Map<string, string>,
): Analysis<Located> {
  const span = spanOf(fn, sf);
  const at = { node: span };
  const refuse = (why: string): Analysis<Located> => ({
    detection: { status: 'unknown-shape', reason: `${span.label} in ${file}: ${why}`, ...at },
  });
  const check = firstCall(fn.body, 'isForeignSessionlessClient');
  const compared = check?.arguments[0];
  if (!check || !compared || !ts.isIdentifier(compared))
    return refuse('takes previousDeviceToken but has no `isForeignSessionlessClient(previous, refreshed)` check');
  let decl: ts.VariableDeclaration | undefined;
  for (const st of fn.body.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === compared.text) decl = d;
  }
  const init = decl?.initializer && unparen(decl.initializer);
  if (!init) return refuse(`the check compares ${compared.text}, which is not declared at the top of the function`);
  // The branch that rejects: `if (… isForeignSessionlessClient(…)) { …; return …; }`.
  let branch: ts.IfStatement | undefined;
  const visit = (n: ts.Node): void => {
    if (branch) return;
    if (ts.isIfStatement(n) && n.expression.getStart(sf) <= check.getStart(sf) && check.end <= n.expression.end) branch = n;
    else ts.forEachChild(n, visit);
  };
  visit(fn.body);
  const block = branch && ts.isBlock(branch.thenStatement) ? branch.thenStatement : undefined;
  const last = block?.statements[block.statements.length - 1];
  if (!block || !last || !ts.isReturnStatement(last)) return refuse('expected the rejecting branch to be a block that ends in a return');
  const restoresClient = calls(block, 'updateClient') || !!findMember(block, 'updateClient');
  if (ts.isCallExpression(init) && ts.isIdentifier(init.expression)) {
    if (init.expression.text === SNAPSHOT_HELPER && fns.has(SNAPSHOT_HELPER))
      return {
        detection: { status: 'patched', reason: `${span.label} checks against ${SNAPSHOT_HELPER}() of the client (this patch)`, ...at },
      };
    if (restoresClient)
      return {
        detection: {
          status: 'fixed-upstream',
          reason: `${span.label} checks against ${init.expression.text}() of the client taken before the refresh and restores a rejected client (upstream fix, 4.1.1)`,
          ...at,
        },
      };
    return refuse(`the check compares ${init.expression.text}() but the rejecting branch does not restore the client`);
  }
  const clerk = params.get('clerkInstance');
  if (
    !clerk ||
    !ts.isPropertyAccessExpression(init) ||
    init.name.text !== 'client' ||
    !ts.isIdentifier(init.expression) ||
    init.expression.text !== clerk
  )
    return refuse(`expected \`const ${compared.text} = ${clerk ?? 'clerkInstance'}.client\` or a snapshot of it`);
  if (fns.get('reconcileJsActiveSessionFromClient')?.length !== 1)
    return refuse('the module does not declare exactly one reconcileJsActiveSessionFromClient()');
  const restore =
    `if (typeof ${compared.text}?.restore === "function") { ${clerk}.updateClient?.(${compared.text}.restore()); ` +
    `await reconcileJsActiveSessionFromClient({ clerkInstance: ${clerk} }); }`;
  return {
    detection: {
      status: 'vulnerable',
      reason: `${span.label} compares the refreshed client with ${compared.text} = ${clerk}.client, the object Client.fetch() refetched into, so a foreign session-less client is never rejected`,
      ...at,
    },
    located: { kind: 'snapshot', sf, span, fn, liveClient: init, rejectReturn: last, restore },
  };
}

/** Does anything below `root` call a member named `name` (`x.name(…)` or `x.name?.(…)`)? */
function findMember(root: ts.Node, name: string): ts.Node | undefined {
  let hit: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (hit) return;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === name) hit = n;
    else ts.forEachChild(n, visit);
  };
  visit(root);
  return hit;
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
  if (params.has('previousDeviceToken') || params.has('rejectForeignSessionlessClient'))
    return analyzeUpstreamCheck(sf, file, fn, fns, params);
  if (fns.has(HELPER) && calls(fn.body, HELPER)) {
    if (!readsWithNativeToken(fns)) return refuse(EARLIER_HELPER);
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
  // What the guard hands the helper, read from the module: the key and timeout of getCachedDeviceToken's
  // read, and the native module and source-id prefix the JS→native sync pushes a device token with.
  const read = readOfCachedDeviceToken(sf, one('getCachedDeviceToken')!);
  if (!read) return refuse('getCachedDeviceToken() has no `tokenCache.getToken(KEY)` raced against `setTimeout(…, MS)`');
  const nativeModule = nativeModuleOf(sf, one('readNativeDeviceToken'));
  if (!nativeModule) return refuse('readNativeDeviceToken() does not read `const ClerkExpo = <module>.ClerkExpoModule`');
  const prefix = topConst(sf, 'nativeClientSyncSourceIdPrefix');
  if (!prefix) return refuse('the module declares no top-level nativeClientSyncSourceIdPrefix (the source id JS→native syncs carry)');
  const v = (p: string) => params.get(p)!;
  const guard =
    `if (${v('shouldSyncDeviceToken')} && (!${v('clerkInstance')}.loaded || getDefaultSignedInSession(${v('clerkInstance')}.client))) { const kept = await ${HELPER}({ clerkInstance: ${v('clerkInstance')}, nativeDeviceToken: ${v('nativeDeviceToken')}, ` +
    `readDeviceToken: async () => (${v('tokenCache')} ? await ${v('tokenCache')}.getToken(${read.key}) : null), readTimeoutMs: ${read.timeout}, ` +
    `writeDeviceToken: (deviceToken) => syncNativeDeviceTokenToCache({ deviceToken, suppressTokenCacheNotificationsRef: ${v('suppressTokenCacheNotificationsRef')}, tokenCache: ${v('tokenCache')} }), ` +
    `restoreDeviceToken: (deviceToken) => syncDeviceTokenToCache(${v('tokenCache')}, deviceToken), ` +
    `pushDeviceTokenToNative: (deviceToken) => void Promise.resolve(${nativeModule}?.syncClientStateFromJs?.(deviceToken, \`\${${prefix}}-keep\`, false, true)).catch(() => {}), ` +
    `reconcile: () => reconcileJsActiveSessionFromClient({ clerkInstance: ${v('clerkInstance')} }) }); if (kept !== undefined) return kept; }`;
  return {
    detection: {
      status: 'vulnerable',
      reason: `${span.label} writes the native client token into the JS token cache and refreshes the JS client from it without checking that it is the JS client or holds a session`,
      ...at,
    },
    located: { kind: 'guard', sf, span, fn, insertBefore: first, guard },
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
    if (!readsWithNativeToken(fns)) return refuse(EARLIER_HELPER);
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
    located: { kind: 'guard', sf, span, fn, insertBefore: second!, guard },
  };
}

/** Every name a declaration, parameter, function or class binds anywhere in the file. */
function boundNames(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (
      (ts.isVariableDeclaration(n) || ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isParameter(n)) &&
      n.name &&
      ts.isIdentifier(n.name)
    )
      out.add(n.name.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
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
  const shadowed = READ_HELPER_GLOBALS.filter((g) => boundNames(sf).has(g));
  if (shadowed.length > 0)
    return {
      detection: {
        status: 'unknown-shape',
        reason: `${file} binds ${shadowed.join(', ')}, which the patch's ${READ_HELPER} reads as globals`,
        node: spanOf(syncs[0]!, sf),
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
  return l.kind === 'guard' ? editGuard(l, text) : editSnapshot(l, text);
}

/** The helper as whole lines in front of the function, indented like it: a diff shows one added declaration. */
function helperInFront(l: Located, text: string, body: (nl: string, i: string) => string): { at: number; text: string } {
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const lineStart = text.lastIndexOf('\n', l.fn.getStart(l.sf) - 1) + 1;
  const fnInd = text.slice(lineStart, l.fn.getStart(l.sf));
  const helper =
    body(nl, indentUnit(l.sf))
      .split(nl)
      .map((line) => (line ? fnInd + line : line))
      .join(nl) + nl;
  return { at: lineStart, text: helper };
}

function withHelper(l: Located, out: string, name: string, lineStart: number): AppliedEdit {
  const added = topFunctions(parseJs(out, 'patched.js')).get(name)?.[0];
  if (!added) throw new Error(`${ID}: the helper did not parse back as a top-level function`);
  const helperSpan: NodeSpan = { label: `FunctionDeclaration ${name}`, start: lineStart, end: added.end };
  return { changed: true, text: out, node: { ...l.span, start: lineStart }, added: [helperSpan] };
}

function editGuard(l: GuardSite, text: string): AppliedEdit {
  const { sf } = l;
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const at = l.insertBefore.getStart(sf);
  const ind = lineIndent(sf, at);
  const helper = helperInFront(l, text, helperText);
  const out = splice(text, [
    { start: helper.at, end: helper.at, text: helper.text },
    { start: at, end: at, text: ind ? `${l.guard}${nl}${ind}` : l.guard },
  ]);
  return withHelper(l, out, HELPER, helper.at);
}

function editSnapshot(l: SnapshotSite, text: string): AppliedEdit {
  const { sf } = l;
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const helper = helperInFront(l, text, snapshotHelperText);
  const ret = l.rejectReturn.getStart(sf);
  const ind = lineIndent(sf, ret);
  const live = l.liveClient;
  const out = splice(text, [
    { start: helper.at, end: helper.at, text: helper.text },
    { start: live.getStart(sf), end: live.end, text: `${SNAPSHOT_HELPER}(${textOf(live, sf)})` },
    { start: ret, end: ret, text: ind ? `${l.restore}${nl}${ind}` : l.restore },
  ]);
  return withHelper(l, out, SNAPSHOT_HELPER, helper.at);
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit,
});
