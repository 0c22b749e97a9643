import { createRequire } from 'node:module';
import type { Edit, SgNode } from '@ast-grep/napi';
import { ToolError } from '../core/errors.ts';
import { splice } from './edits.ts';

/**
 * Swift helpers on @ast-grep/napi (tree-sitter-swift). Swift cannot be compiled here, so a
 * codemod's proof is structural: the patched file parses with zero ERROR and MISSING nodes and
 * names nothing outside an allowlist. Parse once, find declarations by name, collect edits
 * against that one parse, commit them once.
 */
export type { Edit, SgNode };

type Napi = typeof import('@ast-grep/napi');
const registered = globalThis as { __clerkExpoPatchesSwift?: Napi };

/**
 * @ast-grep/napi and its Swift grammar, loaded on the first Swift parse: an app that only needs
 * the manifest's hashes (or only JS detection) never loads them, and need not install them.
 */
function swiftParser(): Napi {
  if (registered.__clerkExpoPatchesSwift) return registered.__clerkExpoPatchesSwift;
  const require = createRequire(import.meta.url);
  let napi: Napi;
  try {
    napi = require('@ast-grep/napi') as Napi;
    napi.registerDynamicLanguage({ swift: require('@ast-grep/lang-swift') as never });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new ToolError(
      `reading the Swift bridge's code needs @ast-grep/napi and @ast-grep/lang-swift, which are not installed (${(err as Error).message.split('\n')[0]})`,
      "install them next to clerk-expo-patches: `npm i -D @ast-grep/napi @ast-grep/lang-swift` (or your package manager's add), then run the command again",
    );
  }
  registered.__clerkExpoPatchesSwift = napi;
  return napi;
}

/**
 * Parses Swift. No parse cache on purpose: native trees still reachable when Node exits crash
 * the process in @ast-grep/napi's teardown (segfault, exit 139) — seen with a module-level memo.
 * Callers parse once per detect()/apply() and pass the root along; Swift files here are small.
 */
export function parseSwift(text: string): SgNode {
  return swiftParser()
    .parse('swift' as never, text)
    .root();
}

/** Every descendant (pre-order), the node itself first. */
export function walk(node: SgNode, visit: (n: SgNode) => void): void {
  visit(node);
  for (const c of node.children()) walk(c, visit);
}

export function descendants(node: SgNode, kind: string): SgNode[] {
  const out: SgNode[] = [];
  walk(node, (n) => {
    if (n.kind() === kind) out.push(n);
  });
  return out;
}

/** The `name` of a function_declaration (its simple_identifier child). */
export function functionName(fn: SgNode): string | undefined {
  return fn
    .children()
    .find((c) => c.kind() === 'simple_identifier')
    ?.text();
}

/** Every function_declaration named `name`, anywhere in the tree. */
export function findFunctions(root: SgNode, name: string): SgNode[] {
  return descendants(root, 'function_declaration').filter((f) => functionName(f) === name);
}

/** The `statements` node of a function body or of a `{ … }` block directly under `node`. */
export function statementsOf(node: SgNode): SgNode | undefined {
  const body = node.kind() === 'function_declaration' ? node.children().find((c) => c.kind() === 'function_body') : node;
  return body?.children().find((c) => c.kind() === 'statements');
}

/** Named statements of a block (comments left out). */
export const statementList = (stmts: SgNode | undefined): SgNode[] =>
  stmts ? stmts.children().filter((c) => c.isNamed() && c.kind() !== 'comment') : [];

/** Syntax problems: ERROR nodes and MISSING nodes (zero-width leaves tree-sitter inserts). */
export function countParseProblems(text: string): { errors: number; missing: number } {
  let errors = 0;
  let missing = 0;
  walk(parseSwift(text), (n) => {
    if (n.kind() === 'ERROR') errors++;
    const r = n.range();
    if (n.children().length === 0 && r.start.index === r.end.index) missing++;
  });
  return { errors, missing };
}

/** Identifier names (simple_identifier, type_identifier) in a tree. */
export function identifiers(root: SgNode): Set<string> {
  const out = new Set<string>();
  walk(root, (n) => {
    const k = n.kind();
    if (k === 'simple_identifier' || k === 'type_identifier') out.add(n.text());
  });
  return out;
}

/** Text with every space run collapsed: compares code by tokens, not layout. */
export const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Leading whitespace of the line a node starts on. */
export function indentOf(text: string, node: SgNode): string {
  const start = node.range().start.index;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, start))![0];
}

/** Edit that removes a whole statement line (from the start of its line to the end of its line). */
export function removeLine(text: string, node: SgNode): Edit {
  const r = node.range();
  const startPos = text.lastIndexOf('\n', r.start.index - 1) + 1;
  const nl = text.indexOf('\n', r.end.index);
  return { startPos, endPos: nl === -1 ? text.length : nl + 1, insertedText: '' };
}

/**
 * Commits edits collected against one parse (ast-grep offsets are string indices), all at once;
 * overlapping edits are a codemod bug and throw.
 */
export function commit(text: string, edits: Edit[]): string {
  return splice(
    text,
    edits.map((e) => ({ start: e.startPos, end: e.endPos, text: e.insertedText })),
  );
}

/**
 * Names in `after` that neither `before` nor the allowlist has: a patched Swift file may only use
 * identifiers the pristine file already uses or that the fix confirmed in clerk-ios.
 */
export function unexpectedIdentifiers(before: string, after: string, allowed: Readonly<Record<string, string>>): string[] {
  const known = identifiers(parseSwift(before));
  return [...identifiers(parseSwift(after))].filter((n) => !known.has(n) && !Object.hasOwn(allowed, n)).sort();
}
