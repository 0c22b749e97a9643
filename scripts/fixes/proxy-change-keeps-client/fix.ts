import ts from 'typescript';
import { meta } from './meta.ts';
import { defineFix, oneTopLevelFunction, type Analysis } from '../../codemod/define-fix.ts';
import type { NodeSpan } from '../../core/fix.ts';
import { parseJs, splice, textOf, unparen, type Edit } from '../../codemod/js-ast.ts';
import { outsideInstancePatchHelpers } from '../../codemod/clerk-instance-hooks.ts';

/**
 * Fix P: since clerk/javascript#8085 (3.1.3) `createClerkInstance` rebuilds the Clerk singleton
 * when a call's `publishableKey`, `proxyUrl` or `domain` differs from the previous call's
 * (`getUpdatedClerkOptions` → `hasConfigChanged`), and clears the stored client JWT whenever it
 * does: `if (hasConfigChanged) tokenCache.clearToken?.(CLERK_CLIENT_JWT_KEY)`. Before #8085 the
 * clear ran on a publishable key change only (`hasKeyChanged`, JS-598's hot swap). A proxy or a
 * satellite domain is another route to the same Frontend API instance, which the publishable key
 * names: its client JWT stays valid. An app that calls `getClerkInstance({ publishableKey })` early
 * (an API client module) and passes `proxyUrl` or `domain` to `<ClerkProvider>` only (or the
 * reverse: ClerkProvider always passes both keys) loses the stored client JWT on every cold start.
 *
 * The patch narrows the clear's condition to a publishable key change, read from the previous
 * config the factory still holds at that point: `if (changed && (!prev || prev.publishableKey !== key))`.
 * The singleton is still rebuilt with the new proxy or domain, as upstream does.
 */
const FACTORY = 'createClerkInstance';
const RESOLVER = 'getUpdatedClerkOptions';

interface Located {
  sf: ts.SourceFile;
  span: NodeSpan;
  condition: ts.Expression;
  changed: string;
  previous: string;
  key: string;
}

/** `const { hasConfigChanged[: x], options: { publishableKey[: k], … } } = getUpdatedClerkOptions(<prev>, …)`. */
function resolverCall(body: ts.Node): { changed: string; key: string; previous: string } | undefined {
  let out: { changed: string; key: string; previous: string } | undefined;
  const visit = (n: ts.Node): void => {
    if (out) return;
    if (ts.isVariableDeclaration(n) && ts.isObjectBindingPattern(n.name) && n.initializer) {
      const init = unparen(n.initializer);
      if (
        ts.isCallExpression(init) &&
        ts.isIdentifier(unparen(init.expression)) &&
        (unparen(init.expression) as ts.Identifier).text === RESOLVER &&
        init.arguments.length >= 1 &&
        ts.isIdentifier(unparen(init.arguments[0]!))
      ) {
        let changed: string | undefined;
        let key: string | undefined;
        for (const el of n.name.elements) {
          const prop = el.propertyName ?? el.name;
          if (!ts.isIdentifier(prop)) continue;
          if (prop.text === 'hasConfigChanged' && ts.isIdentifier(el.name)) changed = el.name.text;
          if (prop.text === 'options' && ts.isObjectBindingPattern(el.name))
            for (const inner of el.name.elements) {
              const p = inner.propertyName ?? inner.name;
              if (ts.isIdentifier(p) && p.text === 'publishableKey' && ts.isIdentifier(inner.name)) key = inner.name.text;
            }
        }
        if (changed && key) out = { changed, key, previous: (unparen(init.arguments[0]!) as ts.Identifier).text };
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

/** `if (…) …clearToken…` statements below `root`. */
function clearingIfs(root: ts.Node): ts.IfStatement[] {
  const out: ts.IfStatement[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isIfStatement(n) && !n.elseStatement) {
      let clears = false;
      const find = (m: ts.Node): void => {
        if (clears) return;
        if (ts.isPropertyAccessExpression(m) && m.name.text === 'clearToken') clears = true;
        else ts.forEachChild(m, find);
      };
      find(n.thenStatement);
      if (clears) out.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** The first `<name> = …` assignment below `root` at or after `from`. */
function assignmentAfter(root: ts.Node, name: string, from: number): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(unparen(n.left)) &&
      (unparen(n.left) as ts.Identifier).text === name &&
      n.pos >= from
    )
      found = true;
    else ts.forEachChild(n, visit);
  };
  visit(root);
  return found;
}

const patchedCondition = (l: Pick<Located, 'changed' | 'previous' | 'key'>) =>
  `${l.changed} && (!${l.previous} || ${l.previous}.publishableKey !== ${l.key})`;
const squash = (s: string) => s.replace(/\s+/g, '');

function analyze(text: string, file: string): Analysis<Located> {
  if (!text.includes(FACTORY) || !text.includes(RESOLVER))
    return {
      detection: {
        status: 'not-affected',
        reason: `${file} has no ${FACTORY} calling ${RESOLVER} (before clerk/javascript#8085 the client JWT is cleared on a publishable key change only)`,
      },
    };
  const sf = parseJs(text, file);
  const one = oneTopLevelFunction<Located>(sf, FACTORY, file);
  if ('detection' in one) return one;
  const { fn: factory, span, refuse } = one;
  const at = { node: span };
  const r = resolverCall(factory);
  if (!r) return refuse(`no \`const { hasConfigChanged, options: { publishableKey } } = ${RESOLVER}(<previous config>, …)\``);
  // The innermost clearing `if` outside other patches' helpers (Fix S's helper clears too).
  const outside = outsideInstancePatchHelpers(factory.body!);
  const all = clearingIfs(factory).filter(outside);
  const ifs = all.filter((i) => !all.some((o) => o !== i && i.pos <= o.pos && o.end <= i.end));
  if (ifs.length !== 1) return refuse(`expected one \`if (…)\` that calls clearToken, found ${ifs.length}`);
  const stmt = ifs[0]!;
  const condition = unparen(stmt.expression);
  if (!assignmentAfter(factory, r.previous, stmt.end))
    return refuse(`${r.previous} is not assigned after the clear: the previous config is not what it holds there`);
  if (squash(textOf(condition, sf)) === squash(patchedCondition(r)))
    return {
      detection: {
        status: 'patched',
        reason: `${span.label} clears the client JWT only when the publishable key changed (this patch)`,
        ...at,
      },
    };
  if (!ts.isIdentifier(condition) || condition.text !== r.changed)
    return refuse(
      `the clear's condition is \`${textOf(condition, sf)}\`, neither \`${r.changed}\` nor this patch's; check what upstream clears on, then update the fix`,
    );
  return {
    detection: {
      status: 'vulnerable',
      reason: `${span.label} clears the client JWT on any config change (\`if (${r.changed})\`): a proxyUrl or domain that differs between two getClerkInstance() calls signs the user out`,
      ...at,
    },
    located: { sf, span, condition, ...r },
  };
}

function edits(l: Located): Edit[] {
  return [{ start: l.condition.getStart(l.sf), end: l.condition.end, text: patchedCondition(l) }];
}

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: (located, text) => ({ changed: true, text: splice(text, edits(located)), node: located.span }),
});
