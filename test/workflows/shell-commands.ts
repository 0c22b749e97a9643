import { createRequire } from 'node:module';
import type { SgNode } from '@ast-grep/napi';

/**
 * The commands a `run:` script calls, read by tree-sitter-bash (@ast-grep/lang-bash on
 * @ast-grep/napi, the parser the codemods already use for Swift): every simple command, also
 * inside `$(…)`, pipelines, `if`, `case` and `{ …; }`, with its words as written (quotes
 * removed from plain literal strings). `${{ … }}` expressions are replaced by a word first:
 * GitHub substitutes them before the shell runs.
 */
export interface ShellCommand {
  name: string;
  args: string[];
  line: number;
}

type Napi = typeof import('@ast-grep/napi');
let napi: Napi | undefined;

function bash(): Napi {
  if (napi) return napi;
  const require = createRequire(import.meta.url);
  const loaded = require('@ast-grep/napi') as Napi;
  // Registration replaces any earlier one in this process (a test file runs in its own fork).
  loaded.registerDynamicLanguage({ bash: require('@ast-grep/lang-bash') as never });
  return (napi = loaded);
}

const unquote = (node: SgNode): string => {
  const text = node.text();
  if (node.kind() === 'raw_string') return text.slice(1, -1);
  if (node.kind() === 'string' && !/[$`\\]/.test(text)) return text.slice(1, -1);
  return text;
};

/** Throws on a script tree-sitter cannot parse (an ERROR or MISSING node). */
export function shellCommands(script: string): ShellCommand[] {
  const root = bash()
    .parse('bash', script.replace(/\$\{\{[^}]*\}\}/g, 'GITHUB_EXPRESSION'))
    .root();
  // ERROR nodes, and MISSING ones: the zero-width leaves tree-sitter inserts to close a construct.
  const broken = [root, ...root.findAll({ rule: { any: [{ kind: 'ERROR' }, { regex: '^$' }] } })].find(
    (n) => n.kind() === 'ERROR' || (n.children().length === 0 && n.range().start.index === n.range().end.index),
  );
  if (broken) throw new Error(`line ${broken.range().start.line + 1} does not parse as bash: ${broken.text().slice(0, 80)}`);
  return root.findAll({ rule: { kind: 'command' } }).map((command) => {
    const name = command.field('name');
    const args = command
      .children()
      .filter((n) => n.range().start.index > (name?.range().end.index ?? -1))
      .filter((n) => !/redirect|variable_assignment|herestring/.test(String(n.kind())))
      .map(unquote);
    return { name: name ? unquote(name) : '', args, line: command.range().start.line + 1 };
  });
}
