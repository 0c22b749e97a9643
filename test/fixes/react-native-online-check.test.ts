import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { fix } from '../../scripts/fixes/react-native-online-check/fix.ts';
import { fix as fixA } from '../../scripts/fixes/headless-background-refresh/fix.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { changedDeclarationsJs } from '../../scripts/provenance/js.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const dir = path.resolve(__dirname, '../../fixtures/react-native-online-check');
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration \w+$/ });

/** Runs `function o(){…}` from a bundle with a given navigator and returns o()'s result. */
function onlineWith(text: string, fnName: string, navigator: unknown): unknown {
  const src = `${text.match(new RegExp(`function ${fnName}\\(\\)\\{[^}]*\\}`))![0]}; ${fnName}()`;
  return vm.runInNewContext(`function n(){return true}; ${src}`, { window: { navigator } });
}

describe('Fix E codemod: names, copies, semantics', () => {
  it('derives the local from the AST: a renamed local flows into the emitted check', () => {
    const input = read('minified-native.input.js').replace(
      'let e=n()?window?.navigator:null;return!!e&&!!e.onLine',
      'let q=n()?window?.navigator:null;return!!q&&!!q.onLine',
    );
    const r = fix.apply(input, 'renamed.js');
    if (!r.changed) throw new Error('expected a change');
    expect(r.text).toContain('return!!q&&q.onLine!==!1}');
    expect(fix.detect(r.text, 'renamed.js').status).toBe('patched');
  });

  it('patches every copy in a bundle and reports each function as a node (first in `node`, the rest in `added`)', () => {
    const input = read('two-copies.multi-input.js');
    const expected = read('two-copies.multi-output.js');
    expect(fix.detect(input, 'two.js').status).toBe('vulnerable');
    const r = fix.apply(input, 'two.js');
    if (!r.changed) throw new Error('expected a change');
    expect(r.text).toBe(expected);
    expect(r.node.label).toBe('FunctionDeclaration o');
    expect(r.added?.map((n) => n.label)).toEqual(['FunctionDeclaration u']);
    // `added` spans are in the new text: they cover exactly the second function.
    const a = r.added![0]!;
    expect(r.text.slice(a.start, a.end)).toBe('function u(){let t=n()?window?.navigator:null;return!!t&&t.onLine!==!1}');
    // Provenance: every changed token run sits inside one of the reported nodes.
    const containers = changedDeclarationsJs(input, r.text, 'two.js').map((c) => c.container);
    expect(containers).toHaveLength(2);
    for (const c of containers) expect([r.node.label, a.label]).toContain(c);
    expect(fix.detect(r.text, 'two.js').status).toBe('patched');
    expect(fix.apply(r.text, 'two.js').changed).toBe(false);
  });

  it('emitted form: online unless navigator.onLine is exactly false — the same answer as upstream for every value', () => {
    const patched = read('minified-native.output.js');
    const upstream = read('upstream-6.3.2.fixed-upstream.js');
    const strict = read('minified-native.input.js');
    const cases: [string, unknown, boolean][] = [
      ['React Native (no onLine)', { product: 'ReactNative' }, true],
      ['onLine: true', { onLine: true }, true],
      ['onLine: false', { onLine: false }, false],
      ['onLine: undefined', { onLine: undefined }, true],
      ['onLine: null', { onLine: null }, true],
      ['no navigator', null, false],
    ];
    for (const [what, nav, online] of cases) {
      expect(onlineWith(patched, 'o', nav), `patched, ${what}`).toBe(online);
      expect(onlineWith(upstream, 'o', nav), `upstream, ${what}`).toBe(online);
    }
    // The bug: the strict form says offline on React Native's navigator.
    expect(onlineWith(strict, 'o', { product: 'ReactNative' })).toBe(false);
  });

  it("the emitted form differs from upstream's, so patched and fixed-upstream are told apart without a marker", () => {
    expect(fix.detect(read('minified-native.output.js'), 'p.js').status).toBe('patched');
    expect(fix.detect(read('upstream-6.3.2.fixed-upstream.js'), 'u.js').status).toBe('fixed-upstream');
  });

  it('a file that never reads onLine is not-affected', () => {
    expect(fix.detect('function o(){return!0}', 'a.js').status).toBe('not-affected');
  });
});

describe('Fix E on the real published bundles', () => {
  it('6.3.1: every resolvable entry point is vulnerable, patches one function, detects as patched, and is idempotent', async () => {
    const pkg = await fetchPackage('@clerk/clerk-js', '6.3.1');
    const targets = fix.targets(pkg);
    expect(targets).toEqual(['dist/clerk.js', 'dist/clerk.mjs', 'dist/clerk.native.js', 'dist/clerk.no-rhc.js', 'dist/clerk.no-rhc.mjs']);
    for (const t of targets) {
      const text = pkg.read(t)!;
      expect(fix.detect(text, t).status, t).toBe('vulnerable');
      const r = fix.apply(text, t);
      if (!r.changed) throw new Error(`${t}: expected a change`);
      expect(r.node.label).toMatch(/^FunctionDeclaration \w+$/);
      expect(r.added, t).toBeUndefined();
      expect(r.text.slice(0, r.node.start)).toBe(text.slice(0, r.node.start));
      expect(r.text.endsWith(text.slice(r.node.end))).toBe(true);
      const fn = r.text.slice(r.node.start, r.node.end + (r.text.length - text.length));
      expect(fn).toMatch(/^function \w+\(\)\{let (\w+)=\w+\(\)\?window\?\.navigator:null;return!!\1&&\1\.onLine!==!1\}$/);
      expect(fix.detect(r.text, t).status, t).toBe('patched');
      expect(fix.apply(r.text, t).changed).toBe(false);
    }
  });

  it('6.3.1 native: composes with Fix A (both patched, the whole bundle parses)', async () => {
    const pkg = await fetchPackage('@clerk/clerk-js', '6.3.1');
    const t = 'dist/clerk.native.js';
    const a = fixA.apply(pkg.read(t)!, t);
    if (!a.changed) throw new Error('Fix A: expected a change');
    const e = fix.apply(a.text, t);
    if (!e.changed) throw new Error('Fix E: expected a change');
    expect(fixA.detect(e.text, t).status).toBe('patched');
    expect(fix.detect(e.text, t).status).toBe('patched');
    const sf = ts.createSourceFile('n.js', e.text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS) as unknown as {
      parseDiagnostics: unknown[];
    };
    expect(sf.parseDiagnostics.length).toBe(0);
  });

  it('6.3.2 (upstream fix): every entry point is fixed-upstream and apply is a no-op', async () => {
    const pkg = await fetchPackage('@clerk/clerk-js', '6.3.2');
    for (const t of fix.targets(pkg)) {
      const text = pkg.read(t)!;
      expect(fix.detect(text, t).status, t).toBe('fixed-upstream');
      expect(fix.apply(text, t).changed).toBe(false);
    }
  });

  it('6.0.0 (no strict onLine check, no "offline" throw on getToken): not-affected', async () => {
    const pkg = await fetchPackage('@clerk/clerk-js', '6.0.0');
    for (const t of fix.targets(pkg)) expect(fix.detect(pkg.read(t)!, t).status, t).toBe('not-affected');
  });
});
