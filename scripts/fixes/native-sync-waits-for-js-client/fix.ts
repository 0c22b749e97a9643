import ts from 'typescript';
import { meta } from './meta.ts';
import { defineFix, oneTopLevelFunction, type Analysis } from '../../codemod/define-fix.ts';
import type { AppliedEdit, NodeSpan } from '../../core/fix.ts';
import { identifiers, parseJs, splice, textOf, unparen, type Edit } from '../../codemod/js-ast.ts';
import { nativeTokenReadLines, READ_HELPER_GLOBALS } from '../../codemod/native-token-read.ts';

/**
 * Fix L: `syncNativeClientToJs` (3.4.x `ClerkProvider.js`, 3.5.2+ `nativeClientSync.js`) copies the
 * native client token into the JS token cache and reloads the JS client from it. Whether that is
 * safe (Fix G; upstream from 4.1.1) is decided from the JS client: its id and whether it has a
 * signed-in session. When the first load has not answered yet — offline at launch, a hung request,
 * a slow server, each ending a load round in status `error` that Fix J retries — there is no JS
 * client to compare: the guards see "JS not signed in", the native token (a stale, session-less
 * client) is written over the JS client JWT, and the retried load signs the user out.
 *
 * The patch adds one helper (in front of the file's first function) and makes its call the function's first statement:
 * `await waitForJsClientBeforeNativeSync(clerkInstance);` resolves once JS Clerk has loaded
 * (`loaded`: status ready or degraded) with a client the server named (an id), once per instance;
 * at once when that is already so, or when the instance cannot report it (no `addListener`/`on`).
 */
const FUNCTION = 'syncNativeClientToJs';
const HELPER = 'waitForJsClientBeforeNativeSync';
/** Upstream's check of the native client (4.0.3+): the function, and the helper its read goes through. */
const CHECK = 'refreshJsClientFromNativeState';
const READ_HELPER = 'readNativeClientWithItsToken';
/** The local the check's function declares for the carried read. */
const READ_LOCAL = 'nativeTokenRead';
/** Globals the helpers read: a file that binds one of them would change its meaning. */
const HELPER_GLOBALS = ['Promise', 'WeakSet', ...READ_HELPER_GLOBALS];

/** The helper, one line per entry (tab-indented templates); `clerk` is its parameter. */
const helperLines = (name: string): string[] => [
  `// Fix L (clerk-expo-patches): the native client is compared with, or adopted over, the JS client only once JS`,
  `// Clerk has loaded its own client from the server (a first load that failed, hung or is slow has none).`,
  `function ${name}(clerk) {`,
  `\tconst known = ${name}.known || (${name}.known = new WeakSet());`,
  `\tconst ready = () => clerk.loaded === true && !!clerk.client && !!clerk.client.id;`,
  `\tif (!clerk || typeof clerk !== "object" || known.has(clerk)) return Promise.resolve();`,
  `\tif (ready() || typeof clerk.addListener !== "function" || typeof clerk.on !== "function") {`,
  `\t\tif (ready()) known.add(clerk);`,
  `\t\treturn Promise.resolve();`,
  `\t}`,
  `\treturn new Promise((resolve) => {`,
  `\t\tlet done = false;`,
  `\t\tlet unsubscribe;`,
  `\t\tconst check = () => {`,
  `\t\t\tif (done || !ready()) return;`,
  `\t\t\tdone = true;`,
  `\t\t\tknown.add(clerk);`,
  `\t\t\tif (typeof unsubscribe === "function") unsubscribe();`,
  `\t\t\tif (typeof clerk.off === "function") clerk.off("status", check);`,
  `\t\t\tresolve();`,
  `\t\t};`,
  `\t\tunsubscribe = clerk.addListener(check);`,
  `\t\tclerk.on("status", check);`,
  `\t\tif (done && typeof unsubscribe === "function") unsubscribe();`,
  `\t\tcheck();`,
  `\t});`,
  `}`,
];

/** Upstream's check (4.0.3+): the token write and read it makes before it has decided, and its accepting update. */
interface ReadSite {
  /** `try { if (shouldSyncDeviceToken) await syncNativeDeviceTokenToCache({…}); X = await fetchRefreshedJsClient(clerk); }` */
  tryStmt: ts.TryStatement;
  /** `shouldSyncDeviceToken` in the write's condition. */
  writeCondition: ts.Expression;
  /** `fetchRefreshedJsClient(clerk)`. */
  readCall: ts.CallExpression;
  /** `clerk.updateClient?.(X);` once the check has not rejected the client. */
  accept: ts.Statement;
  /** The top-level `function fetchRefreshedJsClient`, in front of which the read helper goes. */
  fetchFn: ts.FunctionDeclaration;
  /** The carried read's condition and the write after acceptance, as inserted. */
  declare: string;
  writeAfterAccept: string;
}

/** What the analysis of upstream's check found: nothing to carry (no check), this patch, or the site. */
type ReadAnalysis = { kind: 'none' } | { kind: 'patched' } | { kind: 'refuse'; why: string } | { kind: 'site'; site: ReadSite };

interface Located {
  read?: ReadSite;
  sf: ts.SourceFile;
  span: NodeSpan;
  fn: ts.FunctionDeclaration;
  /** The local name of the `clerkInstance` parameter. */
  clerk: string;
  body: ts.Block;
}

/** The local name the first parameter's object pattern binds `clerkInstance` to. */
function clerkParam(fn: ts.FunctionDeclaration): string | undefined {
  const p = fn.parameters[0];
  if (!p || !ts.isObjectBindingPattern(p.name)) return undefined;
  for (const el of p.name.elements) {
    const prop = el.propertyName ?? el.name;
    if (ts.isIdentifier(prop) && prop.text === 'clerkInstance' && ts.isIdentifier(el.name)) return el.name.text;
  }
  return undefined;
}

/** `await <name>(<arg>);` as a statement. */
function isAwaitedCall(s: ts.Statement | undefined, name: string, arg: string): boolean {
  if (!s || !ts.isExpressionStatement(s)) return false;
  const e = unparen(s.expression);
  if (!ts.isAwaitExpression(e)) return false;
  const c = unparen(e.expression);
  return (
    ts.isCallExpression(c) &&
    ts.isIdentifier(c.expression) &&
    c.expression.text === name &&
    c.arguments.length === 1 &&
    ts.isIdentifier(c.arguments[0]!) &&
    c.arguments[0].text === arg
  );
}

/** Top-level declarations named `name` (functions, variables, classes). */
function topLevelNamed(sf: ts.SourceFile, name: string): ts.Statement[] {
  return sf.statements.filter((s) => {
    if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name?.text === name) return true;
    return ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name);
  });
}

/** The local names the first parameter's object pattern binds (property name → local). */
function bindings(fn: ts.FunctionDeclaration): Map<string, string> | undefined {
  const p = fn.parameters[0];
  if (!p || !ts.isObjectBindingPattern(p.name)) return undefined;
  const out = new Map<string, string>();
  for (const el of p.name.elements) {
    const prop = el.propertyName ?? el.name;
    if (ts.isIdentifier(prop) && ts.isIdentifier(el.name)) out.set(prop.text, el.name.text);
  }
  return out;
}

/** `name(…)` (optionally awaited) as the expression: the call. */
function callNamed(e: ts.Expression | undefined, name: string): ts.CallExpression | undefined {
  if (!e) return undefined;
  let x = unparen(e);
  if (ts.isAwaitExpression(x)) x = unparen(x.expression);
  return ts.isCallExpression(x) && ts.isIdentifier(x.expression) && x.expression.text === name ? x : undefined;
}

/** Does `root` call `name(…)` anywhere? */
function callsNamed(root: ts.Node, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(root);
  return found;
}

/**
 * Upstream's check (4.0.3+, `refreshJsClientFromNativeState` with `rejectForeignSessionlessClient`) writes
 * the native token into the token cache, then reads the client with it, and only then decides.
 */
function analyzeRead(sf: ts.SourceFile): ReadAnalysis {
  const fns = sf.statements.filter((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === CHECK);
  const readHelpers = topLevelNamed(sf, READ_HELPER);
  if (fns.length === 0)
    return readHelpers.length > 0 ? { kind: 'refuse', why: `${READ_HELPER} is declared but there is no ${CHECK}` } : { kind: 'none' };
  if (fns.length > 1) return { kind: 'refuse', why: `${fns.length} top-level ${CHECK} functions` };
  const fn = fns[0]!;
  const params = bindings(fn);
  if (!params?.has('rejectForeignSessionlessClient'))
    return readHelpers.length > 0 ? { kind: 'refuse', why: `${READ_HELPER} is declared but ${CHECK} has no check` } : { kind: 'none' };
  const refuse = (why: string): ReadAnalysis => ({ kind: 'refuse', why: `${CHECK}: ${why}` });
  if (!fn.body) return refuse('expected a body');
  const calling = callsNamed(fn.body, READ_HELPER);
  if (readHelpers.length === 1 && ts.isFunctionDeclaration(readHelpers[0]!) && calling) return { kind: 'patched' };
  if (readHelpers.length > 0 || calling) return refuse(`a half-present ${READ_HELPER} (its declaration and its call expected together)`);
  if (identifiers(fn).has(READ_LOCAL)) return refuse(`it already uses the name ${READ_LOCAL}`);
  for (const p of ['clerkInstance', 'nativeDeviceToken', 'previousDeviceToken', 'shouldSyncDeviceToken'])
    if (!params.has(p)) return refuse(`its options do not destructure ${p}`);
  const v = (p: string) => params.get(p)!;
  const clerk = v('clerkInstance');
  // try { if (shouldSyncDeviceToken) await syncNativeDeviceTokenToCache({ deviceToken: nativeDeviceToken, … }); X = await fetchRefreshedJsClient(clerk); }
  const tries = fn.body.statements.filter(ts.isTryStatement);
  const site = tries.flatMap((t) => {
    const [w, r, ...rest] = t.tryBlock.statements;
    if (rest.length > 0 || !w || !r || !ts.isIfStatement(w) || w.elseStatement || !ts.isExpressionStatement(r)) return [];
    const cond = unparen(w.expression);
    if (!ts.isIdentifier(cond) || cond.text !== v('shouldSyncDeviceToken')) return [];
    const then = w.thenStatement;
    const write = ts.isExpressionStatement(then) ? callNamed(then.expression, 'syncNativeDeviceTokenToCache') : undefined;
    const opts = write?.arguments.length === 1 ? unparen(write.arguments[0]!) : undefined;
    if (!write || !opts || !ts.isObjectLiteralExpression(opts)) return [];
    const token = opts.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'deviceToken');
    if (
      !token ||
      !ts.isPropertyAssignment(token) ||
      !ts.isIdentifier(token.initializer) ||
      token.initializer.text !== v('nativeDeviceToken')
    )
      return [];
    const assign = unparen(r.expression);
    if (!ts.isBinaryExpression(assign) || assign.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isIdentifier(assign.left))
      return [];
    const aw = unparen(assign.right);
    const read = ts.isAwaitExpression(aw) ? callNamed(aw.expression, 'fetchRefreshedJsClient') : undefined;
    if (!read || read.arguments.length !== 1 || !ts.isIdentifier(read.arguments[0]!) || read.arguments[0].text !== clerk) return [];
    return [{ t, cond, write, opts, client: assign.left.text, read }];
  });
  if (site.length !== 1)
    return refuse(
      'expected one `try { if (shouldSyncDeviceToken) await syncNativeDeviceTokenToCache({ deviceToken: nativeDeviceToken, … }); X = await fetchRefreshedJsClient(clerkInstance); }`',
    );
  const { t, cond, write, opts, client, read } = site[0]!;
  // if (X) { if (rejectForeignSessionlessClient && …) { …; return …; } clerk.updateClient?.(X); … }
  const after = fn.body.statements.slice(fn.body.statements.indexOf(t) + 1);
  const handled = after.find(
    (s): s is ts.IfStatement =>
      ts.isIfStatement(s) && ts.isIdentifier(unparen(s.expression)) && (unparen(s.expression) as ts.Identifier).text === client,
  );
  const block = handled && ts.isBlock(handled.thenStatement) ? handled.thenStatement : undefined;
  const isUpdate = (s: ts.Statement): boolean => {
    if (!ts.isExpressionStatement(s)) return false;
    const c = unparen(s.expression);
    if (!ts.isCallExpression(c) || c.arguments.length !== 1 || !ts.isIdentifier(c.arguments[0]!) || c.arguments[0].text !== client)
      return false;
    const callee = unparen(c.expression);
    return (
      ts.isPropertyAccessExpression(callee) &&
      callee.name.text === 'updateClient' &&
      ts.isIdentifier(callee.expression) &&
      callee.expression.text === clerk
    );
  };
  const rejectIdx =
    block?.statements.findIndex((s) => ts.isIfStatement(s) && identifiers(s.expression).has(v('rejectForeignSessionlessClient'))) ?? -1;
  const accept = block && rejectIdx >= 0 ? block.statements.slice(rejectIdx + 1).find(isUpdate) : undefined;
  if (!accept)
    return refuse(
      `expected \`if (${client}) { if (rejectForeignSessionlessClient && …) {…} ${clerk}.updateClient(${client}); … }\` after the read`,
    );
  const fetchFns = topLevelNamed(sf, 'fetchRefreshedJsClient');
  const fetchFn = fetchFns.length === 1 && ts.isFunctionDeclaration(fetchFns[0]!) ? fetchFns[0] : undefined;
  if (!fetchFn) return refuse('expected one top-level function fetchRefreshedJsClient (the read it makes)');
  const writeArgs = `{ ${opts.properties.map((p) => textOf(p, sf)).join(', ')} }`;
  return {
    kind: 'site',
    site: {
      tryStmt: t,
      writeCondition: cond,
      readCall: read,
      accept,
      fetchFn,
      declare:
        `const ${READ_LOCAL} = ${v('shouldSyncDeviceToken')} && ${v('rejectForeignSessionlessClient')} && ${v('previousDeviceToken')} !== void 0 && ` +
        `typeof ${clerk}.client?.fetch === "function" && typeof ${clerk}.updateClient === "function" ? ${READ_HELPER}(${clerk}, ${v('nativeDeviceToken')}) : null;`,
      writeAfterAccept: `if (${READ_LOCAL} && !${READ_LOCAL}.storedByResponse) await ${textOf(write.expression, sf)}(${writeArgs});`,
    },
  };
}

function analyze(text: string, file: string): Analysis<Located> {
  if (!text.includes(FUNCTION))
    return { detection: { status: 'not-affected', reason: `${file} has no ${FUNCTION} (no native→JS client sync in this file)` } };
  const sf = parseJs(text, file);
  const one = oneTopLevelFunction<Located>(sf, FUNCTION, file);
  if ('detection' in one) return one;
  const { fn, span, refuse } = one;
  if (!ts.isFunctionDeclaration(fn) || !fn.body) return refuse('expected a function declaration with a body');
  if (!fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return refuse('expected an async function (the wait is awaited)');
  const clerk = clerkParam(fn);
  if (!clerk) return refuse('expected its first parameter to destructure `clerkInstance`');
  const at = { node: span };

  const helpers = topLevelNamed(sf, HELPER);
  const first = fn.body.statements[0];
  const waits = isAwaitedCall(first, HELPER, clerk);
  const read = analyzeRead(sf);
  if (read.kind === 'refuse') return refuse(read.why);
  if (helpers.length === 1 && ts.isFunctionDeclaration(helpers[0]!) && waits) {
    if (read.kind === 'site')
      return refuse(
        `an earlier version of this patch (it waits, but ${CHECK} still writes the native token into the token cache before its check answers): reinstall the package and apply the current patch`,
      );
    return {
      detection: {
        status: 'patched',
        reason: `${span.label} first waits for JS Clerk's own client (${HELPER}(${clerk}))${read.kind === 'patched' ? `, and ${CHECK} reads the native client with its token outside the token cache` : ''} (this patch)`,
        ...at,
      },
    };
  }
  if (helpers.length > 0 || waits || read.kind === 'patched')
    return refuse(
      `a half-present patch (${HELPER}'s declaration, \`await ${HELPER}(${clerk});\` as the first statement${read.kind === 'none' ? '' : ` and ${CHECK}'s read through ${READ_HELPER}`} expected together)`,
    );
  if (identifiers(sf).has(HELPER)) return refuse(`the file already uses the name ${HELPER}`);
  if (identifiers(sf).has(READ_HELPER)) return refuse(`the file already uses the name ${READ_HELPER}`);
  const declared = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (
      (ts.isVariableDeclaration(n) || ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isParameter(n)) &&
      n.name &&
      ts.isIdentifier(n.name)
    )
      declared.add(n.name.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  const shadowed = HELPER_GLOBALS.filter((g) => declared.has(g));
  if (shadowed.length > 0) return refuse(`the file binds ${shadowed.join(', ')}, which the patch's helper reads as globals`);
  return {
    detection: {
      status: 'vulnerable',
      reason:
        `${span.label} copies the native client token into the JS token cache without waiting for JS Clerk's own client: a first load that failed, hung or is slow lets a stale native client replace the signed-in JS client` +
        (read.kind === 'site' ? `; ${CHECK} writes the native token into the token cache before its check answers` : ''),
      ...at,
    },
    located: { sf, span, fn, clerk, body: fn.body, ...(read.kind === 'site' ? { read: read.site } : {}) },
  };
}

/** One indentation step of the file (a tab in rolldown output, else two spaces). */
const indentUnit = (sf: ts.SourceFile): string => (/\n\t/.test(sf.text) ? '\t' : '  ');

/**
 * Upstream's check: the native token goes with the read (`READ_HELPER`), the token cache is written only
 * when the read cannot carry it or once the check has accepted the native client.
 */
function readEdits(r: ReadSite, sf: ts.SourceFile, text: string, nl: string): Edit[] {
  const tryAt = r.tryStmt.getStart(sf);
  const tryInd = text.slice(text.lastIndexOf('\n', tryAt - 1) + 1, tryAt);
  const acceptAt = r.accept.getStart(sf);
  const acceptInd = text.slice(text.lastIndexOf('\n', acceptAt - 1) + 1, acceptAt);
  const own = (ind: string, stmt: string): string => (/^[ \t]*$/.test(ind) ? `${stmt}${nl}${ind}` : `${stmt} `);
  const cond = r.writeCondition;
  const call = r.readCall;
  return [
    { start: tryAt, end: tryAt, text: own(tryInd, r.declare) },
    { start: cond.getStart(sf), end: cond.end, text: `${textOf(cond, sf)} && !${READ_LOCAL}` },
    {
      start: call.getStart(sf),
      end: call.end,
      text: `(${READ_LOCAL} ? ${READ_LOCAL}.fetch(() => ${textOf(call, sf)}) : ${textOf(call, sf)})`,
    },
    { start: acceptAt, end: acceptAt, text: own(acceptInd, r.writeAfterAccept) },
  ];
}

function edit(l: Located, text: string): AppliedEdit {
  const { sf, fn, body } = l;
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const unit = indentUnit(sf);
  // The helper as whole lines in front of the file's first top-level function, indented like it: a diff
  // shows one added declaration. Not next to syncNativeClientToJs: on 3.4.x Fix G's helper sits in
  // front of it, and two added declarations side by side make one change run across both.
  const anchor = sf.statements.find((st) => ts.isFunctionDeclaration(st)) ?? fn;
  const helperAt = text.lastIndexOf('\n', anchor.getStart(sf) - 1) + 1;
  const fnInd = text.slice(helperAt, anchor.getStart(sf));
  const lines = (ls: string[], ind: string): string =>
    ls.map((line) => ind + line.replace(/^\t+/, (tabs) => unit.repeat(tabs.length))).join(nl) + nl;
  const helper = lines(helperLines(HELPER), fnInd);
  // The read helper in front of fetchRefreshedJsClient (the read it wraps): not next to the wait helper, nor next
  // to refreshJsClientFromNativeState, in front of which Fix G (4.0.3–4.0.4) declares its snapshot helper.
  const readAt = l.read ? text.lastIndexOf('\n', l.read.fetchFn.getStart(sf) - 1) + 1 : 0;
  const readHelper = l.read ? lines(nativeTokenReadLines(READ_HELPER), text.slice(readAt, l.read.fetchFn.getStart(sf))) : '';
  // The wait as the body's first statement, on its own line at the body's indentation.
  const firstStmt = body.statements[0];
  const edits = firstStmt
    ? (() => {
        const at = firstStmt.getStart(sf);
        const ls = text.lastIndexOf('\n', at - 1) + 1;
        const ind = /^[ \t]*$/.test(text.slice(ls, at)) ? text.slice(ls, at) : '';
        return { start: at, end: at, text: ind ? `await ${HELPER}(${l.clerk});${nl}${ind}` : `await ${HELPER}(${l.clerk});` };
      })()
    : { start: body.getStart(sf) + 1, end: body.getStart(sf) + 1, text: `${nl}${fnInd}${unit}await ${HELPER}(${l.clerk});${nl}${fnInd}` };
  const out = splice(text, [
    edits,
    { start: helperAt, end: helperAt, text: helper },
    ...(l.read ? [{ start: readAt, end: readAt, text: readHelper }, ...readEdits(l.read, sf, text, nl)] : []),
  ]);
  const parsed = parseJs(out, 'patched.js');
  // The helpers it declares, and (with the read) upstream's check it edits: provenance allows each by name.
  const spans: NodeSpan[] = (l.read ? [HELPER, READ_HELPER, CHECK] : [HELPER]).map((name) => {
    const d = parsed.statements.find((s) => ts.isFunctionDeclaration(s) && s.name?.text === name);
    if (!d) throw new Error(`${meta.id}: ${name} did not parse back as a top-level function`);
    return { label: `FunctionDeclaration ${name}`, start: d.getStart(parsed), end: d.end };
  });
  // The node spans the helper's place too (original offsets): nothing before it or after the function changes.
  return { changed: true, text: out, node: { ...l.span, start: Math.min(helperAt, l.span.start) }, added: spans };
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit,
});
