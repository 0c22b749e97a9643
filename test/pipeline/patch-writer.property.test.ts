/**
 * Generative test of the patch writer: random files and random edit sets (first and last line,
 * next to blank and repeated lines, no final newline, CRLF, very long lines), written as one
 * patch, parsed back by patch-package's parser and applied by patch-package, GNU patch (no fuzz)
 * and `git apply` (no --unidiff-zero): all three give the edited files, byte for byte, with every
 * hunk at its stated line.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writePatch, type FileChange } from '../../scripts/patch-file/write.ts';
import { parsePatch } from '../../scripts/patch-file/apply.ts';
import { APPLIERS, applyWithAll } from './three-appliers.ts';

const PKG = '@scope/pkg';

/** Few distinct short lines, so repeats and blank lines are common; now and then a very long one. */
const line = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('', '', 'a', 'b', 'a', '}', '  return x;', 'a ', '\tz') },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'y'), fc.integer({ min: 2_000, max: 60_000 })).map(([c, n]) => c.repeat(n)) },
);

type Edit = { kind: 'replace' | 'insert' | 'delete'; at: number; lines: string[] };
const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('replace', 'insert', 'delete'),
  // Positions are a share of the file's length, so the first and last line come up often.
  at: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
  lines: fc.array(line, { minLength: 1, maxLength: 3 }),
});

const fileCase = fc.record({
  lines: fc.array(line, { minLength: 1, maxLength: 40 }),
  edits: fc.array(edit, { minLength: 1, maxLength: 5 }),
  finalNewlineBefore: fc.boolean(),
  finalNewlineAfter: fc.boolean(),
  crlf: fc.boolean(),
});

function applyEdits(lines: string[], edits: Edit[]): string[] {
  const out = [...lines];
  for (const e of edits) {
    const at = Math.min(out.length, Math.floor(e.at * (out.length + (e.kind === 'insert' ? 1 : 0))));
    if (e.kind === 'insert') out.splice(at, 0, ...e.lines);
    else if (at < out.length)
      out.splice(at, e.kind === 'delete' ? Math.min(e.lines.length, out.length - 1) : 1, ...(e.kind === 'replace' ? e.lines : []));
  }
  return out.length ? out : ['kept'];
}

const text = (lines: string[], eol: string, final: boolean) => lines.join(eol) + (final ? eol : '');

type FileCase = typeof fileCase extends fc.Arbitrary<infer T> ? T : never;

const toChange = (c: FileCase, i: number): FileChange => {
  const eol = c.crlf ? '\r\n' : '\n';
  return {
    path: `dir${i % 2}/f${i}.js`,
    before: text(c.lines, eol, c.finalNewlineBefore),
    after: text(applyEdits(c.lines, c.edits), eol, c.finalNewlineAfter),
  };
};

describe('patch writer (generative): patch-package, GNU patch and git apply agree', () => {
  it('random files and edit sets round-trip through all three appliers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fileCase, { minLength: 1, maxLength: 6 }), async (cases) => {
        const changes = cases.map(toChange).filter((c) => c.before !== c.after);
        if (changes.length === 0) return;
        const patch = writePatch(PKG, changes);
        expect(
          parsePatch(PKG, patch)
            .map((f) => f.path)
            .sort(),
        ).toEqual(changes.map((c) => c.path).sort());
        const before = new Map(changes.map((c) => [c.path, c.before]));
        const results = await applyWithAll(PKG, patch, (p) => before.get(p));
        for (const applier of APPLIERS)
          for (const c of changes) expect(results[applier].get(c.path), `${applier}: ${c.path}`).toBe(c.after);
      }),
      { numRuns: 60, seed: Number(process.env.PATCH_WRITER_SEED ?? 20261202) },
    );
  });
});
