import { defineFix, type Analysis } from '../../codemod/define-fix.ts';
import { meta } from './meta.ts';
import type { AppliedEdit, Detection, NodeSpan, PackageSnapshot } from '../../core/fix.ts';
import {
  commit,
  descendants,
  findFunctions,
  indentOf,
  parseSwift,
  squash,
  statementList,
  statementsOf,
  type SgNode,
} from '../../codemod/swift-ast.ts';

/**
 * Fix C: `syncTokenState(bearerToken:)` in @clerk/expo's iOS bridge clears the native SDK's cached
 * client and environment whenever `existingToken != token` — including when there was no
 * previous token (`nil != token`), i.e. on the first launch that hands a token to native. The
 * patched condition clears only when a previous token existed and differs.
 */
const ID = meta.id;
const FN = 'syncTokenState';
const READ_PREVIOUS = 'readNativeDeviceToken()';
const CLEAR = 'clearCachedClerkData';
const COMMENT = '// clerk-expo-patches (Fix C): clear only when a previous token existed and differs; a first launch keeps the cache.';

/** What apply emits, as the condition list of the `if`. */
export const patchedConditions = (prev: string, tok: string): string[] => [`${prev} != nil`, `${prev} != ${tok}`];

interface Located {
  span: NodeSpan;
  stmt: SgNode;
  conditions: SgNode[];
  prev: string;
  tok: string;
}

/** The condition nodes of an `if` (between `if` and `{`, commas left out). */
function conditionsOf(ifs: SgNode): SgNode[] {
  const out: SgNode[] = [];
  for (const c of ifs.children().slice(1)) {
    if (c.text() === '{') break;
    if (c.isNamed() && c.kind() !== 'comment') out.push(c);
  }
  return out;
}

/** The name a `let` declares when its value is exactly `value`. */
function localsBoundTo(fn: SgNode, value: string): string[] {
  return descendants(fn, 'property_declaration')
    .filter((p) => squash(p.text()).endsWith(`= ${value}`))
    .map((p) =>
      p
        .children()
        .find((c) => c.kind() === 'pattern')
        ?.text(),
    )
    .filter((n): n is string => !!n);
}

const callsClear = (n: SgNode) => descendants(n, 'call_expression').some((c) => squash(c.text()) === `${CLEAR}()`);

function analyze(text: string, file: string): Analysis<Located> {
  const root = parseSwift(text);
  const fns = findFunctions(root, FN);
  const clears = descendants(root, 'simple_identifier').some((i) => i.text() === CLEAR);
  if (fns.length === 0) {
    return clears
      ? { detection: { status: 'unknown-shape', reason: `${file} has ${CLEAR} but no ${FN} function` } }
      : { detection: { status: 'not-affected', reason: `${file} has no ${FN} and never clears the cached client (no ${CLEAR})` } };
  }
  if (fns.length > 1)
    return { detection: { status: 'unknown-shape', reason: `expected one ${FN} function in ${file}, found ${fns.length}` } };
  const fn = fns[0]!;
  const r = fn.range();
  const cls = fn
    .ancestors()
    .find((a) => a.kind() === 'class_declaration')
    ?.children()
    .find((c) => c.kind() === 'type_identifier')
    ?.text();
  const span: NodeSpan = { label: `function_declaration ${FN}${cls ? ` (class ${cls})` : ''}`, start: r.start.index, end: r.end.index };
  const at = { node: span };
  const prevs = localsBoundTo(fn, READ_PREVIOUS);
  if (prevs.length === 0) {
    return callsClear(fn)
      ? {
          detection: {
            status: 'unknown-shape',
            reason: `${FN} in ${file} clears the cache but reads no previous token (let … = ${READ_PREVIOUS})`,
            ...at,
          },
        }
      : {
          detection: {
            status: 'not-affected',
            reason: `${FN} in ${file} neither compares tokens nor clears the cached client (upstream 3.4.4+ hands the token to ClerkKit)`,
            ...at,
          },
        };
  }
  if (prevs.length > 1)
    return { detection: { status: 'unknown-shape', reason: `${FN} in ${file} reads the previous token ${prevs.length} times`, ...at } };
  const prev = prevs[0]!;
  const ifs = descendants(fn, 'if_statement').filter((s) =>
    conditionsOf(s).some((c) => descendants(c, 'simple_identifier').some((i) => i.text() === prev)),
  );
  if (ifs.length !== 1)
    return { detection: { status: 'unknown-shape', reason: `${FN} in ${file}: expected one if on ${prev}, found ${ifs.length}`, ...at } };
  const stmt = ifs[0]!;
  const body = statementList(statementsOf(stmt));
  if (body.length !== 1 || !callsClear(body[0]!)) {
    return { detection: { status: 'unknown-shape', reason: `${FN} in ${file}: the if on ${prev} does not just call ${CLEAR}()`, ...at } };
  }
  const conditions = conditionsOf(stmt);
  const texts = conditions.map((c) => squash(c.text()));
  const compare = new RegExp(`^${prev} != (\\w+)$`).exec(texts[texts.length - 1] ?? '');
  const tok = compare?.[1];
  if (tok && texts.length === 1) {
    return {
      detection: {
        status: 'vulnerable',
        reason: `${FN} clears the cache on "if ${texts[0]}", also when there was no previous token`,
        ...at,
      },
      located: { span, stmt, conditions, prev, tok },
    };
  }
  if (tok && texts.join(', ') === patchedConditions(prev, tok).join(', ')) {
    return { detection: { status: 'patched', reason: `${FN} clears the cache only when ${prev} existed and differs (this patch)`, ...at } };
  }
  return { detection: { status: 'unknown-shape', reason: `${FN} in ${file}: unexpected condition "if ${texts.join(', ')}"`, ...at } };
}

function applyLocated(l: Located, text: string): AppliedEdit {
  const ind = indentOf(text, l.stmt);
  const ifStart = l.stmt.range().start.index;
  const condStart = l.conditions[0]!.range().start.index;
  const text2 = commit(text, [
    { startPos: ifStart, endPos: ifStart, insertedText: `${COMMENT}\n${ind}` },
    { startPos: condStart, endPos: condStart, insertedText: `${patchedConditions(l.prev, l.tok)[0]}, ` },
  ]);
  return { changed: true, text: text2, node: l.span };
}

/** Fix C adds no name: `nil` is a keyword, the rest is already in syncTokenState. */
export const ALLOWED_NEW_IDENTIFIERS: Readonly<Record<string, string>> = {};

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: applyLocated,
});
