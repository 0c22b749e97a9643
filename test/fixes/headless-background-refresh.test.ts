import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { fix } from '../../scripts/fixes/headless-background-refresh/fix.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const dir = path.resolve(__dirname, '../../fixtures/headless-background-refresh');
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^MethodDeclaration #?\w+ \(class \w+\)$/ });

describe('Fix A codemod: names and shapes', () => {
  it('derives every name from the AST: renamed class, set and parameter flow into the guard', () => {
    const input = read('minified-comma.input.js')
      .replace(/rG/g, 'Zz')
      .replace(/#D/g, '#q')
      .replace(/\(i\)/g, '(k)')
      .replace(/,i,r\)/, ',k,r)')
      .replace(/tokenId:i/, 'tokenId:k');
    const r = fix.apply(input, 'renamed.js');
    if (!r.changed) throw new Error('expected a change');
    expect(r.text).toContain('Zz.clerk?.__internal_getOption?.("experimental")?.runtimeEnvironment==="headless"');
    expect(r.text).toContain('?Zz.#q.delete(k):');
    expect(parseErrors(r.text)).toBe(0);
  });

  it('a file without the warning is unknown-shape, not vulnerable', () => {
    expect(fix.detect('class A{m(){}}', 'a.js').status).toBe('unknown-shape');
  });
});

describe('Fix A on the real published bundles', () => {
  it('6.7.1: every resolvable entry point is vulnerable, patches cleanly, and is idempotent', async () => {
    const pkg = await fetchPackage('@clerk/clerk-js', '6.7.1');
    const targets = fix.targets(pkg);
    expect(targets).toEqual(['dist/clerk.js', 'dist/clerk.mjs', 'dist/clerk.native.js', 'dist/clerk.no-rhc.js', 'dist/clerk.no-rhc.mjs']);
    for (const t of targets) {
      const text = pkg.read(t)!;
      expect(fix.detect(text, t).status, t).toBe('vulnerable');
      const r = fix.apply(text, t);
      if (!r.changed) throw new Error(`${t}: expected a change`);
      expect(r.node.label).toMatch(/^MethodDeclaration #\w+ \(class \w+\)$/);
      // Only the method changed: same text before it and after it.
      expect(r.text.slice(0, r.node.start)).toBe(text.slice(0, r.node.start));
      expect(r.text.endsWith(text.slice(r.node.end))).toBe(true);
      const method = r.text.slice(r.node.start, r.node.end + (r.text.length - text.length));
      const cls = /\(class (\w+)\)/.exec(r.node.label)![1]!;
      expect(method).toContain(`${cls}.clerk?.__internal_getOption?.("experimental")?.runtimeEnvironment==="headless"`);
      expect(fix.detect(r.text, t).status, t).toBe('patched');
      expect(fix.apply(r.text, t).changed).toBe(false);
    }
  });

  it('6.7.4 (upstream fix): every entry point is fixed-upstream and apply is a no-op', async () => {
    const pkg = await fetchPackage('@clerk/clerk-js', '6.7.4');
    for (const t of fix.targets(pkg)) {
      const text = pkg.read(t)!;
      expect(fix.detect(text, t).status, t).toBe('fixed-upstream');
      expect(fix.apply(text, t).changed).toBe(false);
    }
  });

  it('the patched 6.7.1 native bundle still parses as a whole (no syntax errors)', async () => {
    const pkg = await fetchPackage('@clerk/clerk-js', '6.7.1');
    const r = fix.apply(pkg.read('dist/clerk.native.js')!, 'dist/clerk.native.js');
    if (!r.changed) throw new Error('expected a change');
    const sf = ts.createSourceFile('n.js', r.text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS) as unknown as {
      parseDiagnostics: unknown[];
    };
    expect(sf.parseDiagnostics.length).toBe(0);
  });
});
