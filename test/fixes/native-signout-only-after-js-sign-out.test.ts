import { describe, expect, it } from 'vitest';
import { fix } from '../../scripts/fixes/native-signout-only-after-js-sign-out/fix.ts';
import { TARGET } from '../../scripts/fixes/native-signout-only-after-js-sign-out/meta.ts';
import { fix as fixD } from '../../scripts/fixes/native-signout-after-load/fix.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { FIX_CATALOG } from '../../scripts/fixes/catalog.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration NativeSessionSync$/ });

describe('Fix N codemod: names and registration', () => {
  it('is registered (letter N, @clerk/expo) in FIXES and the catalog, after Fix D (both edit NativeSessionSync)', () => {
    expect(FIXES.filter((f) => f.id === fix.id).map((f) => [f.letter, f.package])).toEqual([['N', '@clerk/expo']]);
    expect(FIX_CATALOG.some((m) => m.id === fix.id && m.letter === 'N')).toBe(true);
    expect(FIXES.findIndex((f) => f.id === fix.id)).toBeGreaterThan(FIXES.findIndex((f) => f.id === fixD.id));
  });
});

/** 3.1.6 (the first NativeSessionSync, with Fix D), 3.2.8 (upstream's isLoaded guard), 3.3.1 (the last); 3.1.5 and 3.4.3 have no native sign-out. */
describe('Fix N on served @clerk/expo versions (fetched from the registry)', () => {
  for (const v of ['3.1.6', '3.2.8', '3.3.1'])
    it(`${v}: vulnerable → patched (parses, idempotent); with D first where D applies, both detect patched`, async () => {
      const text = (await fetchPackage('@clerk/expo', v)).read(TARGET)!;
      expect(fix.detect(text, TARGET).status).toBe('vulnerable');
      const d = fixD.apply(text, TARGET);
      const base = d.changed ? d.text : text;
      const r = fix.apply(base, TARGET);
      if (!r.changed) throw new Error(`expected a change: ${r.reason}`);
      expect(parseErrors(r.text)).toBe(0);
      expect(fix.detect(r.text, TARGET).status).toBe('patched');
      expect(fix.apply(r.text, TARGET).changed).toBe(false);
      if (d.changed) expect(fixD.detect(r.text, TARGET).status).toBe('patched');
      // The native sign-out waits for a sign-in during the run; the ref is set after the signed-out branch.
      expect(r.text).toMatch(/if \(wasSignedInRef\.current && \(ClerkExpo == null \? void 0 : ClerkExpo\.signOut\)\)/);
      expect(r.text).toMatch(/\n {6}return;\n {4}\}\n {4}wasSignedInRef\.current = true;\n/);
    });

  for (const v of ['3.1.5', '3.4.3'])
    it(`${v}: not affected (no native signOut() from JS)`, async () => {
      const text = (await fetchPackage('@clerk/expo', v)).read(TARGET)!;
      expect(fix.detect(text, TARGET).status).toBe('not-affected');
    });
});
