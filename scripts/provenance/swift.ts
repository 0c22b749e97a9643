import { parseSwift, type SgNode } from '../codemod/swift-ast.ts';
import { diffLines } from '../patch-file/diff-lines.ts';
import { trimCommon, type ChangedRun } from './runs.ts';

/**
 * Provenance for Swift (tree-sitter through ast-grep): leaves of the parse tree are the tokens;
 * each changed token run is named by the innermost declaration that contains it.
 */
const swiftRoot = parseSwift;

interface Leaf {
  text: string;
  kind: string;
  line: number;
  node: SgNode;
}

function leaves(root: SgNode): Leaf[] {
  const out: Leaf[] = [];
  const walk = (n: SgNode) => {
    const kids = n.children();
    if (kids.length === 0) {
      if (n.kind() !== 'comment' && n.kind() !== 'multiline_comment')
        out.push({ text: n.text(), kind: String(n.kind()), line: n.range().start.line, node: n });
      return;
    }
    kids.forEach(walk);
  };
  walk(root);
  return out;
}

const DECLARATIONS = new Set([
  'function_declaration',
  'init_declaration',
  'deinit_declaration',
  'property_declaration',
  'class_declaration',
  'protocol_declaration',
  'subscript_declaration',
]);

/** "function_declaration configure (class ClerkViewFactory)"; "source_file" at the top level. */
export function labelSwift(node: SgNode): string {
  for (let n: SgNode | null = node; n; n = n.parent()) {
    const kind = String(n.kind());
    if (!DECLARATIONS.has(kind) || kind === 'class_declaration') continue;
    const name = n.field('name')?.text() ?? (kind === 'init_declaration' ? 'init' : '(anonymous)');
    let cls: SgNode | null = n.parent();
    while (cls && String(cls.kind()) !== 'class_declaration') cls = cls.parent();
    return `${kind} ${name}${cls ? ` (class ${cls.field('name')?.text() ?? '?'})` : ''}`;
  }
  for (let n: SgNode | null = node; n; n = n.parent())
    if (String(n.kind()) === 'class_declaration') return `class_declaration ${n.field('name')?.text() ?? '?'}`;
  return 'source_file (top level)';
}

export function changedDeclarationsSwift(before: string, after: string): ChangedRun[] {
  const A = leaves(swiftRoot(before));
  const B = leaves(swiftRoot(after));
  const runs: ChangedRun[] = [];
  const same = (x: Leaf | undefined, y: Leaf | undefined) => !!x && !!y && x.kind === y.kind && x.text === y.text;
  for (const h of diffLines(before.split('\n'), after.split('\n'))) {
    const ta = A.filter((l) => l.line >= h.a && l.line < h.a + h.aLen);
    const tb = B.filter((l) => l.line >= h.b && l.line < h.b + h.bLen);
    const { p, q } = trimCommon(ta, tb, same);
    if (p === ta.length && p === tb.length) continue;
    // A pure deletion has no new token: name it by the token after the gap.
    const first = tb[p] ?? B.find((l) => l.line >= h.b + h.bLen) ?? B[B.length - 1];
    const last = tb.length - q > p ? tb[tb.length - 1 - q]! : first;
    if (!first || !last) continue;
    const a = labelSwift(first.node);
    const b = labelSwift(last.node);
    runs.push({
      start: first.node.range().start.index,
      end: last.node.range().end.index,
      container: a === b ? a : `${a} … ${b}`,
      first: a,
      last: b,
    });
  }
  return runs;
}
