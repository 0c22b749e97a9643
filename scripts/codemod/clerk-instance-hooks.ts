import ts from 'typescript';
import { unparen } from './js-ast.ts';

/**
 * @clerk/expo's `createClerkInstance` registers the instance's own request hooks
 * (`X.__internal_onBeforeRequest(cb)` / `X.__internal_onAfterResponse(cb)`); Fixes J, K and S
 * each insert a helper right after them (J's and K's register hooks of their own). Each fix finds the
 * instance's hooks by structure and must not count the hooks inside another fix's helper: the
 * helpers are named here, once.
 */
export const BEFORE_HOOK = '__internal_onBeforeRequest';
export const AFTER_HOOK = '__internal_onAfterResponse';

/** The names (a numeric suffix when the file took the name) of the helpers patches declare in createClerkInstance. */
export const INSTANCE_PATCH_HELPERS = ['retryLoadUntilAnswered', 'rereadClientOnTokenRejection', 'forgetClientAfterLocalSignOut'] as const;

/** `X.method(…)` as a statement: the receiver identifier's name. */
export function hookStatement(s: ts.Node, method: string): string | undefined {
  if (!ts.isExpressionStatement(s)) return undefined;
  const call = unparen(s.expression);
  if (!ts.isCallExpression(call) || call.arguments.length !== 1) return undefined;
  const callee = unparen(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== method) return undefined;
  const recv = unparen(callee.expression);
  return ts.isIdentifier(recv) ? recv.text : undefined;
}

/** Every statement below `root` (any depth) that calls `X.method(cb)`. */
export function hookStatements(root: ts.Node, method: string): { stmt: ts.ExpressionStatement; receiver: string }[] {
  const out: { stmt: ts.ExpressionStatement; receiver: string }[] = [];
  const visit = (n: ts.Node): void => {
    const r = hookStatement(n, method);
    if (r !== undefined) out.push({ stmt: n as ts.ExpressionStatement, receiver: r });
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** `const <prefix>… = (…) => {…};` statements below `root` whose name starts with `prefix`. */
export function helperDeclarations(root: ts.Node, prefix: string): { stmt: ts.VariableStatement; name: string }[] {
  const out: { stmt: ts.VariableStatement; name: string }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableStatement(n))
      for (const d of n.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.name.text.startsWith(prefix) && d.initializer && ts.isArrowFunction(unparen(d.initializer)))
          out.push({ stmt: n, name: d.name.text });
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** A test: is the node outside every patch helper declared below `root` (any fix's)? */
export function outsideInstancePatchHelpers(root: ts.Node): (n: ts.Node) => boolean {
  const helpers = INSTANCE_PATCH_HELPERS.flatMap((p) => helperDeclarations(root, p));
  return (n) => !helpers.some((h) => h.stmt.pos <= n.pos && n.end <= h.stmt.end);
}

/** `f(x)` with identifiers only, as text ("" otherwise). */
export function textOfCall(c: ts.CallExpression): string {
  const args = c.arguments.map((a) => unparen(a));
  if (!ts.isIdentifier(c.expression) || args.length !== 1 || !ts.isIdentifier(args[0]!)) return '';
  return `${c.expression.text}(${args[0].text})`;
}

/** Names the file declares anywhere (variables, functions, classes, parameters, catch bindings). */
export function declaredNames(root: ts.Node): Set<string> {
  const out = new Set<string>();
  const addBinding = (b: ts.BindingName): void => {
    if (ts.isIdentifier(b)) out.add(b.text);
    else for (const el of b.elements) if (!ts.isOmittedExpression(el)) addBinding(el.name);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) || ts.isParameter(n)) addBinding(n.name);
    else if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isFunctionExpression(n) || ts.isClassExpression(n)) && n.name)
      out.add(n.name.text);
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** The indentation of the line `pos` starts on ("" when code precedes it on that line). */
export function indentAt(sf: ts.SourceFile, pos: number): string {
  const start = sf.text.lastIndexOf('\n', pos - 1) + 1;
  const ind = sf.text.slice(start, pos);
  return /^[ \t]*$/.test(ind) ? ind : '';
}

/** `prefix`, or `prefix2`, `prefix3`, … : the first name the file does not already use. */
export function freeName(taken: ReadonlySet<string>, prefix: string): string {
  let name = prefix;
  for (let i = 2; taken.has(name); i++) name = `${prefix}${i}`;
  return name;
}

/**
 * A helper's source lines (tab-indented templates, `//` comments at any depth) laid out at the
 * file's own indentation: the comment and `const <name> = …` at `base`, the body one level in,
 * then its closing `};` and the call `<name>(<receiver>);`. Without `comments`, comment lines go.
 */
export function layoutHelper(
  lines: readonly string[],
  name: string,
  receiver: string,
  base: string,
  unit: string,
  comments: boolean,
): string {
  return lines
    .filter((l) => comments || !l.replace(/^\t*/, '').startsWith('//'))
    .map((l) => {
      const depth = /^\t*/.exec(l)![0].length + (l.startsWith('//') || l.startsWith(`const ${name} = `) ? 0 : 1);
      return base + unit.repeat(depth) + l.replace(/^\t*/, '');
    })
    .concat(`${base}};`, `${base}${name}(${receiver});`)
    .join('\n');
}

/**
 * The edit that puts a helper and its call right after `anchor`: on lines of their own at the
 * indentation of `indentOf` (the instance's own hook), or on the same line when that has none
 * (one-line, e.g. minified, bodies).
 */
export function helperAfter(
  sf: ts.SourceFile,
  anchor: ts.Node,
  indentOf: ts.Node,
  code: (base: string, unit: string) => string,
): { start: number; end: number; text: string } {
  const end = anchor.end;
  const base = indentAt(sf, indentOf.getStart(sf));
  const unit = base.startsWith('\t') ? '\t' : '  ';
  const text = code(base, unit);
  const terminated = sf.text[end - 1] === ';';
  return { start: end, end, text: base ? `\n${text}` : `${terminated ? '' : ';'}${text.replace(/\n[ \t]*/g, ' ')}` };
}
