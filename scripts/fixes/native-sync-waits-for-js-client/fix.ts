import ts from 'typescript';
import { meta } from './meta.ts';
import { defineFix, oneTopLevelFunction, type Analysis } from '../../codemod/define-fix.ts';
import type { AppliedEdit, NodeSpan } from '../../core/fix.ts';
import { identifiers, parseJs, splice, unparen } from '../../codemod/js-ast.ts';

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
/** Globals the helper reads: a file that binds one of them would change its meaning. */
const HELPER_GLOBALS = ['Promise', 'WeakSet'];

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

interface Located {
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
  if (helpers.length === 1 && ts.isFunctionDeclaration(helpers[0]!) && waits)
    return {
      detection: {
        status: 'patched',
        reason: `${span.label} first waits for JS Clerk's own client (${HELPER}(${clerk})) (this patch)`,
        ...at,
      },
    };
  if (helpers.length > 0 || waits)
    return refuse(`a half-present ${HELPER} (its declaration and \`await ${HELPER}(${clerk});\` as the first statement expected together)`);
  if (identifiers(sf).has(HELPER)) return refuse(`the file already uses the name ${HELPER}`);
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
      reason: `${span.label} copies the native client token into the JS token cache without waiting for JS Clerk's own client: a first load that failed, hung or is slow lets a stale native client replace the signed-in JS client`,
      ...at,
    },
    located: { sf, span, fn, clerk, body: fn.body },
  };
}

/** One indentation step of the file (a tab in rolldown output, else two spaces). */
const indentUnit = (sf: ts.SourceFile): string => (/\n\t/.test(sf.text) ? '\t' : '  ');

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
  const helper =
    helperLines(HELPER)
      .map((line) => fnInd + line.replace(/^\t+/, (tabs) => unit.repeat(tabs.length)))
      .join(nl) + nl;
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
  const out = splice(text, [edits, { start: helperAt, end: helperAt, text: helper }]);
  const parsed = parseJs(out, 'patched.js');
  const added = parsed.statements.find((s) => ts.isFunctionDeclaration(s) && s.name?.text === HELPER);
  if (!added) throw new Error(`${meta.id}: the helper did not parse back as a top-level function`);
  const helperSpan: NodeSpan = { label: `FunctionDeclaration ${HELPER}`, start: helperAt, end: added.end };
  // The node spans the helper's place too (original offsets): nothing before it or after the function changes.
  return { changed: true, text: out, node: { ...l.span, start: Math.min(helperAt, l.span.start) }, added: [helperSpan] };
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit,
});
