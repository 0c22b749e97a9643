import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/**
 * The fields `@clerk/shared`'s JSON types (what clerk-js's resources are written against) declare
 * as required, read from the installed declaration file with the TypeScript parser: an interface's
 * non-optional properties plus those of the interfaces it extends.
 */
let interfaces: Map<string, ts.InterfaceDeclaration> | undefined;

function declarations(): Map<string, ts.InterfaceDeclaration> {
  if (interfaces) return interfaces;
  const pkg = createRequire(import.meta.url).resolve('@clerk/shared/package.json');
  const file = path.join(path.dirname(pkg), 'dist', 'types', 'index.d.ts');
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: @clerk/shared (a devDependency) must be installed to compare fixtures with its JSON types`);
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  interfaces = new Map();
  source.forEachChild((n) => {
    if (ts.isInterfaceDeclaration(n)) interfaces!.set(n.name.text, n);
  });
  return interfaces;
}

export function clerkRequiredFields(name: string): string[] {
  const decl = declarations().get(name);
  if (!decl) throw new Error(`@clerk/shared's types declare no interface ${name}`);
  const out: string[] = [];
  for (const clause of decl.heritageClauses ?? []) {
    for (const t of clause.types) if (ts.isIdentifier(t.expression)) out.push(...clerkRequiredFields(t.expression.text));
  }
  for (const m of decl.members) {
    if (ts.isPropertySignature(m) && !m.questionToken && ts.isIdentifier(m.name)) out.push(m.name.text);
  }
  return [...new Set(out)];
}
