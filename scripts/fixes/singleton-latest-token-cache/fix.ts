import ts from 'typescript';
import { meta, TARGET } from './meta.ts';
import { defineFix, oneTopLevelFunction, type Analysis } from '../../codemod/define-fix.ts';
import type { NodeSpan, PackageSnapshot } from '../../core/fix.ts';
import { identifiers, parseJs, splice, unparen, type Edit } from '../../codemod/js-ast.ts';

/**
 * Fix H: @clerk/expo's `createClerkInstance(ClerkClass)` returns `getClerkInstance(options)`,
 * which builds the Clerk singleton once and wires its request/response hooks to the token cache
 * of *that* call. A later call with the same publishable key (ClerkProvider passing the app's
 * SecureStore cache) is ignored, so an app that called `getClerkInstance()` first (an API client
 * module) keeps MemoryTokenCache and starts signed out on every cold start. Same behaviour as
 * upstream 3.6.3 (clerk/javascript#8928): the cache in use lives outside the per-call options, a
 * call whose options carry a `tokenCache` key replaces it, and the hooks (and the config-change
 * clear) read it when they run. The patch keeps the cache in a variable of the factory (the
 * factory runs once per module, like upstream's module-level variable), so every edit stays inside
 * `createClerkInstance`.
 */
const ID = meta.id;
const FACTORY = 'createClerkInstance';
/** The name the patch gives the factory's cache variable (a fresh suffix if it is taken). */
const HOLDER = 'latestTokenCache';

/** Every identifier below a node that is a reference (not a property name, not a declaration name). */
function references(root: ts.Node, name: string): ts.Identifier[] {
  const out: ts.Identifier[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n.text === name) {
      const p = n.parent;
      const isName =
        (ts.isPropertyAccessExpression(p) && p.name === n) ||
        (ts.isPropertyAssignment(p) && p.name === n) ||
        (ts.isBindingElement(p) && p.propertyName === n) ||
        ((ts.isVariableDeclaration(p) || ts.isBindingElement(p) || ts.isParameter(p)) && p.name === n);
      if (!isName) out.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

interface HookDecl {
  decl: ts.VariableDeclaration;
  /** The identifier the initializer reads the cache from (`c` in `c.getToken` / `(k) => c.getToken(k)`). */
  source: string;
}

/** `const getToken = c.getToken` or `const getToken = (k) => c.getToken(k)` (same for saveToken). */
function hookDecl(d: ts.VariableDeclaration, method: string): HookDecl | undefined {
  if (!ts.isIdentifier(d.name) || !d.initializer) return undefined;
  let e = unparen(d.initializer);
  if (ts.isArrowFunction(e) && !ts.isBlock(e.body)) {
    const body = unparen(e.body);
    if (!ts.isCallExpression(body)) return undefined;
    e = body.expression;
  }
  if (!ts.isPropertyAccessExpression(e) || e.name.text !== method) return undefined;
  const obj = unparen(e.expression);
  return ts.isIdentifier(obj) ? { decl: d, source: obj.text } : undefined;
}

interface Located {
  sf: ts.SourceFile;
  span: NodeSpan;
  factoryBody: ts.Block;
  /** `return (options) => {…}` in the factory. */
  ret: ts.ReturnStatement;
  getInstance: ts.ArrowFunction | ts.FunctionExpression;
  optionsParam: string;
  /** The per-call `const { tokenCache = Memory, … } = options || {}` statement and its local. */
  destructuring: ts.VariableStatement;
  local: string;
  /** The create branch: `if (!instance || changed) { … }`. */
  create: ts.IfStatement;
  getToken: HookDecl;
  saveToken: HookDecl;
}

/** A statement-level `const { tokenCache[: x] = … } = …` in the returned function: the statement and local. */
function perCallCache(body: ts.Block): { stmt: ts.VariableStatement; local: string } | undefined {
  for (const s of body.statements) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) {
      if (!ts.isObjectBindingPattern(d.name)) continue;
      for (const el of d.name.elements) {
        const prop = el.propertyName ?? el.name;
        if (ts.isIdentifier(prop) && prop.text === 'tokenCache' && ts.isIdentifier(el.name)) return { stmt: s, local: el.name.text };
      }
    }
  }
  return undefined;
}

/** The `if` of the returned function whose block declares getToken and saveToken. */
function createBranch(body: ts.Block): { create: ts.IfStatement; getToken: HookDecl; saveToken: HookDecl } | undefined {
  for (const s of body.statements) {
    if (!ts.isIfStatement(s) || !ts.isBlock(s.thenStatement)) continue;
    let getToken: HookDecl | undefined;
    let saveToken: HookDecl | undefined;
    for (const st of s.thenStatement.statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === 'getToken') getToken = hookDecl(d, 'getToken');
        if (ts.isIdentifier(d.name) && d.name.text === 'saveToken') saveToken = hookDecl(d, 'saveToken');
      }
    }
    if (getToken && saveToken) return { create: s, getToken, saveToken };
  }
  return undefined;
}

/** `let <name> = …` among the factory's statements (this patch's cache variable). */
const factoryLet = (body: ts.Block, name: string): boolean =>
  body.statements.some(
    (s) => ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name),
  );

/** Is `name` assigned (`name = …`) anywhere below the node? */
function assigned(root: ts.Node, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(unparen(n.left)) &&
      (unparen(n.left) as ts.Identifier).text === name
    )
      found = true;
    else ts.forEachChild(n, visit);
  };
  visit(root);
  return found;
}

function analyze(text: string, file: string): Analysis<Located> {
  if (!text.includes(FACTORY))
    return { detection: { status: 'not-affected', reason: `${file} has no ${FACTORY} (the Clerk singleton factory this fix changes)` } };
  const sf = parseJs(text, file);
  const one = oneTopLevelFunction<Located>(sf, FACTORY, file);
  if ('detection' in one) return one;
  const { fn: factory, span, refuse } = one;
  const factoryBody = factory.body as ts.Block;
  const at = { node: span };

  const ret = factoryBody.statements.find((s): s is ts.ReturnStatement => ts.isReturnStatement(s));
  const fn = ret?.expression && unparen(ret.expression);
  if (
    !ret ||
    !fn ||
    !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) ||
    !ts.isBlock(fn.body) ||
    fn.parameters.length !== 1 ||
    !ts.isIdentifier(fn.parameters[0]!.name)
  ) {
    return refuse('expected `return (options) => { … }` (the getClerkInstance function it builds)');
  }
  const body = fn.body;
  const branch = createBranch(body);
  if (!branch)
    return refuse('no `if (…) { … }` creating the instance with `const getToken = …getToken` and `const saveToken = …saveToken`');
  const { getToken, saveToken } = branch;
  if (getToken.source !== saveToken.source) return refuse(`getToken reads ${getToken.source} but saveToken reads ${saveToken.source}`);
  const source = getToken.source;
  const perCall = perCallCache(body);

  if (perCall && perCall.local === source) {
    // The hooks close over this call's cache: the bug.
    const reason = `${span.label} wires the singleton's hooks to the token cache of the first getClerkInstance() call; a later call's tokenCache never takes effect`;
    return {
      detection: { status: 'vulnerable', reason, ...at },
      located: {
        sf,
        span,
        factoryBody,
        ret,
        getInstance: fn,
        optionsParam: (fn.parameters[0]!.name as ts.Identifier).text,
        destructuring: perCall.stmt,
        local: perCall.local,
        ...branch,
      },
    };
  }
  if (perCall && factoryLet(factoryBody, source) && assigned(body, source)) {
    return {
      detection: {
        status: 'patched',
        reason: `${span.label} reads the token cache from ${source}, which every call that passes tokenCache replaces (this patch)`,
        ...at,
      },
    };
  }
  if (
    !perCall &&
    !factoryLet(factoryBody, source) &&
    assigned(body, source) &&
    sf.statements.some(
      (s) => ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === source),
    )
  ) {
    return {
      detection: {
        status: 'fixed-upstream',
        reason: `${span.label} reads the token cache from the module-level ${source}, replaced by each call that passes tokenCache (upstream fix)`,
        ...at,
      },
    };
  }
  return refuse(
    `the hooks read the token cache from ${source}, which is neither this call's destructured tokenCache nor a variable each call replaces`,
  );
}

function edits(l: Located): Edit[] {
  const { sf } = l;
  const taken = identifiers(sf);
  let holder = HOLDER;
  for (let i = 2; taken.has(holder); i++) holder = `${HOLDER}${i}`;
  const lineIndent = (pos: number): string => {
    const start = sf.text.lastIndexOf('\n', pos - 1) + 1;
    const ind = sf.text.slice(start, pos);
    return /^[ \t]*$/.test(ind) ? ind : '';
  };
  const out: Edit[] = [];
  // 1. The factory's cache variable, before `return (options) => …`; unset until the first call.
  const retAt = l.ret.getStart(sf);
  const retIndent = lineIndent(retAt);
  out.push({
    start: retAt,
    end: retAt,
    text: retIndent || sf.text[retAt - 1] === '\n' ? `let ${holder};\n${retIndent}` : `let ${holder};`,
  });
  // 2. Right after the per-call destructuring: the first call sets it, a call with a tokenCache key replaces it.
  const o = l.optionsParam;
  const after = l.destructuring.end;
  const dIndent = lineIndent(l.destructuring.getStart(sf));
  const update = `if (${holder} === undefined || (!!${o} && Object.prototype.hasOwnProperty.call(${o}, "tokenCache"))) ${holder} = ${l.local};`;
  out.push({ start: after, end: after, text: dIndent ? `\n${dIndent}${update}` : update });
  // 3. The hooks read the variable when they run.
  const hook = (h: HookDecl, params: string, method: string) => {
    const init = h.decl.initializer!;
    out.push({ start: init.getStart(sf), end: init.end, text: `(${params}) => ${holder}.${method}(${params})` });
  };
  hook(l.getToken, 'key', 'getToken');
  hook(l.saveToken, 'key, token', 'saveToken');
  // 4. Every other read of this call's cache inside the create branch (the config-change clear) uses it too.
  const inHooks = (n: ts.Node) =>
    [l.getToken, l.saveToken].some((h) => h.decl.initializer!.pos <= n.pos && n.end <= h.decl.initializer!.end);
  for (const id of references(l.create.thenStatement, l.local)) {
    if (inHooks(id)) continue;
    out.push({ start: id.getStart(sf), end: id.end, text: holder });
  }
  return out;
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: (located, text) => ({ changed: true, text: splice(text, edits(located)), node: located.span }),
});
