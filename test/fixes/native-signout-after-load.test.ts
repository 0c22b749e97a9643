import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fix } from '../../scripts/fixes/native-signout-after-load/fix.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const dir = path.resolve(__dirname, '../../fixtures/native-signout-after-load');
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;
const TARGET = 'dist/provider/ClerkProvider.js';

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration NativeSessionSync$/ });

describe('Fix D codemod: names and shapes', () => {
  it('derives names from the AST: a minified `{ isSignedIn: n }` guards on n in the branch and deps', () => {
    const r = fix.apply(read('minified.input.js'), 'm.js');
    if (!r.changed) throw new Error('expected a change');
    expect(r.text).toContain('const{isSignedIn:n, isLoaded}=(0,a.useAuth)()');
    expect(r.text).toContain('if(!n){r.current=!1;if(!isLoaded)return;const i=c.default;');
    expect(r.text).toContain('},[n, isLoaded,e,t]);');
  });

  it('a local already named isLoaded is not captured: the destructured flag gets a fresh name', () => {
    const r = fix.apply(read('esm-rest-collision.input.js'), 'c.js');
    if (!r.changed) throw new Error('expected a change');
    expect(r.text).toContain('const { isSignedIn, isLoaded: isLoaded2, ...auth } = useAuth();');
    expect(r.text).toContain('      if (!isLoaded2) return;\n      if (ClerkExpo?.signOut) {');
  });

  it('our early exit moved to the top of the effect is a guard, but not this patch', () => {
    const patched = read('esbuild-cjs.output.js');
    const moved = patched
      .replace('      if (!isLoaded) return;\n', '')
      .replace('    if (!isSignedIn) {', '    if (!isLoaded) return;\n    if (!isSignedIn) {');
    expect(moved).not.toBe(patched);
    expect(fix.detect(moved, 'x.js').status).toBe('fixed-upstream');
  });

  it('a guard that is not in the deps array is not taken for this patch', () => {
    const patched = read('esbuild-cjs.output.js');
    const noDeps = patched.replace('[isSignedIn, isLoaded, publishableKey', '[isSignedIn, publishableKey');
    expect(noDeps).not.toBe(patched);
    expect(fix.detect(noDeps, 'x.js').status).toBe('fixed-upstream');
  });

  it('is registered in FIXES for @clerk/expo', () => {
    expect(FIXES.filter((f) => f.id === 'native-signout-after-load').map((f) => [f.letter, f.package])).toEqual([['D', '@clerk/expo']]);
  });

  it('targets the provider file only when the package has it', () => {
    const pkg = (files: string[]) => ({ name: '@clerk/expo', version: '3.2.7', packageJson: {}, files, read: () => undefined });
    expect(fix.targets(pkg([TARGET, 'dist/index.js']))).toEqual([TARGET]);
    expect(fix.targets(pkg(['dist/index.js']))).toEqual([]);
  });
});

describe('Fix D on the real published @clerk/expo', () => {
  it('3.2.7: vulnerable; the patch adds one guard line and the same destructuring and deps as upstream 3.2.8', async () => {
    const [p7, p8] = await Promise.all([fetchPackage('@clerk/expo', '3.2.7'), fetchPackage('@clerk/expo', '3.2.8')]);
    expect(fix.targets(p7)).toEqual([TARGET]);
    const text = p7.read(TARGET)!;
    expect(fix.detect(text, TARGET).status).toBe('vulnerable');
    const r = fix.apply(text, TARGET);
    if (!r.changed) throw new Error('expected a change');
    expect(parseErrors(r.text)).toBe(0);
    expect(fix.detect(r.text, TARGET).status).toBe('patched');
    expect(fix.apply(r.text, TARGET).changed).toBe(false);
    const ours = r.text.split('\n');
    const pristine = text.split('\n');
    const upstream = p8.read(TARGET)!.split('\n');
    // Exactly one inserted line, right before the signOut path inside `if (!isSignedIn)`.
    const inserted = ours.findIndex((l, i) => l !== pristine[i]);
    const guardLine = ours.findIndex((l) => l.trim() === 'if (!isLoaded) return;');
    expect(guardLine).toBeGreaterThan(-1);
    expect(ours.length).toBe(pristine.length + 1);
    expect(ours[guardLine + 1]!.trim()).toBe('const ClerkExpo = import_NativeClerkModule.default;');
    // The destructuring and the deps line are upstream's own.
    for (const probe of [
      'const { isSignedIn, isLoaded } = (0, import_react.useAuth)();',
      '}, [isSignedIn, isLoaded, publishableKey, effectiveTokenCache]);',
    ]) {
      expect(
        ours.some((l) => l.trim() === probe),
        probe,
      ).toBe(true);
      expect(
        upstream.some((l) => l.trim() === probe),
        probe,
      ).toBe(true);
    }
    expect(inserted).toBeGreaterThan(-1);
  });

  it('3.2.8 (upstream fix): fixed-upstream and apply is a no-op', async () => {
    const pkg = await fetchPackage('@clerk/expo', '3.2.8');
    const text = pkg.read(TARGET)!;
    expect(fix.detect(text, TARGET).status).toBe('fixed-upstream');
    expect(fix.apply(text, TARGET).changed).toBe(false);
  });

  it('3.1.5 and 3.4.2 (no NativeSessionSync): not-affected', async () => {
    for (const v of ['3.1.5', '3.4.2']) {
      const pkg = await fetchPackage('@clerk/expo', v);
      expect(fix.detect(pkg.read(TARGET)!, TARGET).status, v).toBe('not-affected');
    }
  });
});
