import ts from 'typescript';

/**
 * JS/TS helpers for codemods on large (minified) bundles, on the raw TypeScript compiler nodes
 * (the `typescript` package: in an app, its own copy) with early exits: no full-tree walk of a
 * 1.5 MB bundle.
 */

/**
 * The last few parses, keyed by file name and text: the pipeline asks for the same patched text
 * more than once (parse check, then detect), and a 1.5 MB bundle costs ~0.5 s to parse.
 */
const recent: { file: string; text: string; sf: ts.SourceFile }[] = [];
const RECENT_MAX = 12;

export function parseJs(text: string, file: string): ts.SourceFile {
  const hit = recent.find((r) => r.file === file && r.text === text);
  if (hit) return hit.sf;
  const sf = parseFresh(text, file);
  recent.unshift({ file, text, sf });
  recent.length = Math.min(recent.length, RECENT_MAX);
  return sf;
}

/** Forgets the recent parses (benchmarks that must time a real parse). */
export const forgetParses = (): void => {
  recent.length = 0;
};

function parseFresh(text: string, file: string): ts.SourceFile {
  const name = `/${file.replace(/\.(mjs|cjs)$/, '.js')}`;
  return ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
}

/** The chain of nodes from the root down to the innermost node that contains [pos, end). */
export function pathTo(sf: ts.SourceFile, pos: number, end = pos + 1): ts.Node[] {
  const chain: ts.Node[] = [sf];
  let current: ts.Node = sf;
  for (;;) {
    const next: ts.Node | undefined = ts.forEachChild(current, (child) =>
      child.getStart(sf) <= pos && end <= child.end ? child : undefined,
    );
    if (!next) return chain;
    chain.push(next);
    current = next;
  }
}

/** Every offset where `needle` occurs in `text`. */
export function offsetsOf(text: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

/** Depth-first search of a subtree (raw nodes) that stops at the first match. */
export function findFirst<T extends ts.Node>(root: ts.Node, test: (n: ts.Node) => n is T): T | undefined;
export function findFirst(root: ts.Node, test: (n: ts.Node) => boolean): ts.Node | undefined;
export function findFirst(root: ts.Node, test: (n: ts.Node) => boolean): ts.Node | undefined {
  const visit = (n: ts.Node): ts.Node | undefined => (test(n) ? n : ts.forEachChild(n, visit));
  return visit(root);
}

/** Strips parentheses: ((x)) → x. */
export function unparen(n: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(n)) n = n.expression;
  return n;
}

/** Flattens a comma sequence a, b, c into [a, b, c]. */
export function commaList(n: ts.Expression): ts.Expression[] {
  if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.CommaToken) return [...commaList(n.left), ...commaList(n.right)];
  return [n];
}

export const textOf = (n: ts.Node, sf: ts.SourceFile): string => sf.text.slice(n.getStart(sf), n.end);

/** Reads a call of the form <receiver>.<member>.<method>(<arg>) and returns its parts as text. */
export function memberCall(n: ts.Node, sf: ts.SourceFile): { set: string; method: string; arg: string } | undefined {
  if (!ts.isCallExpression(n) || n.arguments.length !== 1 || !ts.isPropertyAccessExpression(n.expression)) return undefined;
  const callee = n.expression;
  const arg = n.arguments[0]!;
  return { set: textOf(callee.expression, sf), method: callee.name.text, arg: textOf(arg, sf) };
}

/**
 * The label of the innermost named declaration in a root-to-node chain, the one name the fixes
 * (their NodeSpan labels) and verify's provenance check share:
 * "MethodDeclaration #j (class rG)", "FunctionDeclaration NativeSessionSync", "SourceFile". */
export function labelJs(chain: ts.Node[], sf: ts.SourceFile): string {
  for (let i = chain.length - 1; i >= 0; i--) {
    const n = chain[i]!;
    const name = (x: ts.Node | undefined) => (x ? sf.text.slice(x.getStart(sf), x.end) : '(anonymous)');
    if (ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n) || ts.isConstructorDeclaration(n)) {
      const cls = n.parent && ts.isClassLike(n.parent) ? name(n.parent.name) : '(anonymous)';
      return `${ts.SyntaxKind[n.kind]} ${ts.isConstructorDeclaration(n) ? 'constructor' : name(n.name)} (class ${cls})`;
    }
    if (ts.isFunctionDeclaration(n)) return `FunctionDeclaration ${name(n.name)}`;
    if ((ts.isFunctionExpression(n) || ts.isArrowFunction(n)) && ts.isVariableDeclaration(n.parent))
      return `FunctionDeclaration ${name(n.parent.name)}`;
    if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) return `ClassDeclaration ${name(n.name)}`;
  }
  return 'SourceFile (top level)';
}

export { splice, type Edit } from './edits.ts';

/** Identifiers used anywhere in a subtree: a fresh local must not shadow or collide with them. */
export function identifiers(root: ts.Node): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) out.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** A function a codemod can take apart: declared, or a function/arrow expression. */
export type FunctionLike = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;

/**
 * The top-level functions named `name` with a block body: `function name() {…}` and
 * `const name = (…) => {…}` / `= function (…) {…}` (tsup and rolldown builds emit either).
 */
export function topLevelFunctions(sf: ts.SourceFile, name: string): FunctionLike[] {
  const out: FunctionLike[] = [];
  for (const s of sf.statements) {
    if (ts.isFunctionDeclaration(s) && s.name?.text === name && s.body) out.push(s);
    else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.name.text !== name || !d.initializer) continue;
        const init = unparen(d.initializer);
        if ((ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && ts.isBlock(init.body)) out.push(init);
      }
    }
  }
  return out;
}

/** The first call of the identifier `name` below `root` (source order), if any. */
export function firstCall(root: ts.Node, name: string): ts.CallExpression | undefined {
  return findFirst(
    root,
    (n): n is ts.CallExpression => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name,
  );
}
