import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShapeError, type Fix } from '../../scripts/lib/fix.ts';
import { countParseProblems, unexpectedIdentifiers } from '../../scripts/lib/swift-ast.ts';

/**
 * Shared runner for the Swift fixes' hand-written fixtures, discovered by directory scan:
 * <name>.input.swift / <name>.output.swift pairs, <name>.not-affected.swift, <name>.refuse.swift.
 */
export function runSwiftFixtures(fix: Fix, allowed: Readonly<Record<string, string>>): void {
  const dir = path.resolve(__dirname, '../../fixtures', fix.id);
  const files = fs.readdirSync(dir);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const pairs = files.filter((f) => f.endsWith('.input.swift')).map((f) => f.replace('.input.swift', ''));

  describe(`${fix.id} on hand-written fixtures`, () => {
    it('has fixture pairs, a not-affected case and a refusal to run', () => {
      expect(pairs.length).toBeGreaterThanOrEqual(2);
      expect(files.some((f) => f.endsWith('.not-affected.swift'))).toBe(true);
      expect(files.some((f) => f.endsWith('.refuse.swift'))).toBe(true);
    });

    for (const name of pairs) {
      describe(name, () => {
        const input = read(`${name}.input.swift`);
        const output = read(`${name}.output.swift`);
        it('input parses cleanly and is detected as vulnerable', () => {
          expect(countParseProblems(input)).toEqual({ errors: 0, missing: 0 });
          expect(fix.detect(input, `${name}.swift`).status).toBe('vulnerable');
        });
        it('applies to the expected output', () => {
          const r = fix.apply(input, `${name}.swift`);
          expect(r.changed).toBe(true);
          if (r.changed) expect(r.text).toBe(output);
        });
        it('output parses with zero ERROR and MISSING nodes and is detected as patched', () => {
          expect(countParseProblems(output)).toEqual({ errors: 0, missing: 0 });
          expect(fix.detect(output, `${name}.swift`).status).toBe('patched');
        });
        it('output uses no identifier outside the pristine file and the allowlist', () => {
          expect(unexpectedIdentifiers(input, output, allowed)).toEqual([]);
        });
        it('is idempotent: apply on the output changes nothing', () => {
          const r = fix.apply(output, `${name}.swift`);
          expect(r.changed).toBe(false);
          if (!r.changed) expect(r.status).toBe('patched');
        });
      });
    }

    for (const f of files.filter((x) => x.endsWith('.not-affected.swift'))) {
      it(`no-op: ${f} is not-affected and left unchanged`, () => {
        const text = read(f);
        expect(countParseProblems(text)).toEqual({ errors: 0, missing: 0 });
        expect(fix.detect(text, f).status).toBe('not-affected');
        expect(fix.apply(text, f).changed).toBe(false);
      });
    }

    for (const f of files.filter((x) => x.endsWith('.refuse.swift'))) {
      it(`refuses the wrong shape in ${f} with a message naming the fix and file`, () => {
        const text = read(f);
        expect(fix.detect(text, f).status).toBe('unknown-shape');
        let err: unknown;
        try {
          fix.apply(text, f);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ShapeError);
        expect((err as Error).message).toContain(fix.id);
        expect((err as Error).message).toContain(f);
      });
    }
  });
}
