import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Fix, type Status } from '../../scripts/core/fix.ts';
import { ShapeError } from '../../scripts/core/errors.ts';

/**
 * The shared fixture contract for every fix, found by a directory scan of fixtures/<fix.id>/:
 *   <case>.input.<ext> + <case>.output.<ext>  vulnerable → exactly the output; output detects as
 *                                              patched; apply on it is a no-op; edits stay inside
 *                                              the node apply() names
 *   <case>.fixed-upstream.<ext>               detected as fixed-upstream, left unchanged
 *   <case>.not-affected.<ext>                 detected as not-affected, left unchanged
 *   <case>.refuse.<ext>                       unknown-shape; apply throws a ShapeError naming fix and file
 * `parseErrors` checks that every expected output is syntactically valid in its language.
 */
export interface FixtureOptions {
  ext: string;
  /** Syntax errors of a text in the fixture's language (must be 0 for inputs and outputs). */
  parseErrors: (text: string) => number;
  /** What apply()'s node label must look like. */
  label?: RegExp;
  minPairs?: number;
  /** Further named checks on every input/output pair (e.g. Swift's identifier allowlist). */
  pairChecks?: Record<string, (input: string, output: string) => void>;
}

export function describeFixtureCases(fix: Fix, opts: FixtureOptions) {
  const dir = path.resolve(__dirname, '../../fixtures', fix.id);
  const files = fs.readdirSync(dir);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const ext = `.${opts.ext}`;
  const pairs = files.filter((f) => f.endsWith(`.input${ext}`)).map((f) => f.slice(0, -`.input${ext}`.length));

  describe(`${fix.id}: fixture cases in fixtures/${fix.id}/`, () => {
    it('has input/output pairs, a no-op case and a refusal case', () => {
      expect(pairs.length).toBeGreaterThanOrEqual(opts.minPairs ?? 3);
      expect(files.some((f) => f.endsWith(`.fixed-upstream${ext}`) || f.endsWith(`.not-affected${ext}`))).toBe(true);
      expect(files.some((f) => f.endsWith(`.refuse${ext}`))).toBe(true);
    });

    for (const name of pairs) {
      describe(name, () => {
        const file = `${name}${ext}`;
        const input = read(`${name}.input${ext}`);
        const output = read(`${name}.output${ext}`);
        it('input parses and is detected as vulnerable', () => {
          expect(opts.parseErrors(input)).toBe(0);
          expect(fix.detect(input, file).status).toBe('vulnerable');
        });
        it('applies to exactly the expected output, editing only inside the node it names', () => {
          const r = fix.apply(input, file);
          if (!r.changed) throw new Error(`expected a change, got ${r.status}: ${r.reason}`);
          expect(r.text).toBe(output);
          if (opts.label) expect(r.node.label).toMatch(opts.label);
          expect(r.text.slice(0, r.node.start)).toBe(input.slice(0, r.node.start));
          expect(r.text.slice(r.text.length - (input.length - r.node.end))).toBe(input.slice(r.node.end));
        });
        it('output parses and is detected as patched', () => {
          expect(opts.parseErrors(output)).toBe(0);
          expect(fix.detect(output, file).status).toBe('patched');
        });
        for (const [name, check] of Object.entries(opts.pairChecks ?? {})) it(name, () => check(input, output));
        it('is idempotent: apply on the output changes nothing', () => {
          const r = fix.apply(output, file);
          expect(r.changed).toBe(false);
          if (!r.changed) expect(r.status).toBe('patched');
        });
      });
    }

    for (const status of ['fixed-upstream', 'not-affected'] as Status[]) {
      for (const f of files.filter((x) => x.endsWith(`.${status}${ext}`))) {
        it(`no-op: ${f} is ${status} and left unchanged`, () => {
          const text = read(f);
          expect(fix.detect(text, f).status).toBe(status);
          const r = fix.apply(text, f);
          expect(r.changed).toBe(false);
          if (!r.changed) expect(r.status).toBe(status);
        });
      }
    }

    for (const f of files.filter((x) => x.endsWith(`.refuse${ext}`))) {
      it(`refuses the wrong shape in ${f} with a message naming the fix and the file`, () => {
        const text = read(f);
        const d = fix.detect(text, f);
        expect(d.status).toBe('unknown-shape');
        let err: unknown;
        try {
          fix.apply(text, f);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ShapeError);
        expect((err as Error).message).toContain(fix.id);
        expect((err as Error).message).toContain(f);
        expect((err as Error).message).toContain(d.reason);
        expect((err as Error).message).toContain('update the codemod');
      });
    }
  });
}
