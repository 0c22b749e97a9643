import { describe, expect, it } from 'vitest';
import { editedLinesFloor, writePatch } from '../../scripts/patch-file/write.ts';
import { diffLines } from '../../scripts/patch-file/diff-lines.ts';
import { applyWithPatchPackage, parsePatch } from '../../scripts/patch-file/apply.ts';

const roundTrip = (before: string, after: string, file = 'dist/a.js') => {
  const patch = writePatch('@scope/pkg', [{ path: file, before, after }]);
  const out = applyWithPatchPackage('@scope/pkg', patch, (p) => (p === file ? before : undefined));
  return { patch, result: out.get(file) };
};

describe('patch writer + patch-package applier round trip', () => {
  const cases: Record<string, [string, string]> = {
    'one long line changed': ['a\n' + 'x'.repeat(50_000) + '\nc\n', 'a\n' + 'x'.repeat(25_000) + 'GUARD' + 'x'.repeat(25_000) + '\nc\n'],
    'last line without a final newline': ['a\nb\nlast', 'a\nb\nLAST'],
    'final newline removed': ['a\nb\n', 'a\nb'],
    'final newline added': ['a\nb', 'a\nb\n'],
    'pure insertion in the middle': ['a\nb\nc\nd\n', 'a\nb\nNEW1\nNEW2\nc\nd\n'],
    'pure deletion': ['a\nb\nc\nd\n', 'a\nd\n'],
    'two separate hunks': [
      Array.from({ length: 40 }, (_, i) => `l${i}`).join('\n') + '\n',
      Array.from({ length: 40 }, (_, i) => (i === 3 ? 'X3' : i === 30 ? 'X30' : `l${i}`)).join('\n') + '\n',
    ],
    'insertion after the last line': ['a\nb\n', 'a\nb\nc\n'],
  };
  for (const [name, [before, after]] of Object.entries(cases)) {
    it(name, () => {
      const { patch, result } = roundTrip(before, after);
      expect(result).toBe(after);
      expect(parsePatch('@scope/pkg', patch)).toEqual([{ type: 'patch', path: 'dist/a.js', hunks: expect.any(Number) }]);
      expect(patch).toMatch(
        /^diff --git a\/node_modules\/@scope\/pkg\/dist\/a\.js b\/node_modules\/@scope\/pkg\/dist\/a\.js\nindex [0-9a-f]{40}\.\.[0-9a-f]{40} 100644\n/,
      );
    });
  }

  it("writes git's three lines of context on each side of a small file's edit", () => {
    const lines = Array.from({ length: 10 }, (_, i) => `l${i}`);
    const { patch } = roundTrip(lines.join('\n') + '\n', lines.map((l, i) => (i === 5 ? 'X' : l)).join('\n') + '\n');
    expect(patch).toContain('@@ -3,7 +3,7 @@\n l2\n l3\n l4\n-l5\n+X\n l6\n l7\n l8\n');
  });

  it('context is cut only by the ends of the file, and an insertion at the top needs no special case', () => {
    const { patch } = roundTrip('a\nb\nc\nd\ne\n', 'NEW\na\nb\nc\nd\ne\n');
    expect(patch).toContain('@@ -1,3 +1,4 @@\n+NEW\n a\n b\n c\n');
  });

  it('edits closer than twice the context share one hunk', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const { patch } = roundTrip(lines.join('\n') + '\n', lines.map((l, i) => (i === 5 || i === 12 ? 'X' : l)).join('\n') + '\n');
    expect(patch.match(/^@@ /gm)).toHaveLength(1);
    const far = roundTrip(lines.join('\n') + '\n', lines.map((l, i) => (i === 5 || i === 13 ? 'X' : l)).join('\n') + '\n');
    expect(far.patch.match(/^@@ /gm)).toHaveLength(2);
  });

  it('a file with a very long edited line and long neighbours gets fewer context lines (never none)', () => {
    const big = (c: string) => c.repeat(30_000);
    const before = ['h', big('a'), big('b'), big('c'), big('d'), big('e'), big('f'), 't'].join('\n') + '\n';
    const after = before.replace(big('d'), `${big('d')}GUARD`);
    const { patch, result } = roundTrip(before, after);
    expect(result).toBe(after);
    expect(patch).toContain('@@ -4,3 +4,3 @@\n ' + big('c') + '\n-' + big('d'));
    expect(patch.split('\n').filter((l) => l.startsWith(' '))).toHaveLength(2);
  });

  it('a patch that does not match the file is refused by patch-package', () => {
    const patch = writePatch('@scope/pkg', [{ path: 'a.js', before: 'a\nb\n', after: 'a\nB\n' }]);
    expect(() => applyWithPatchPackage('@scope/pkg', patch, () => 'a\nsomething else\n')).toThrow(/Cannot apply hunk/);
  });

  it('patch size floor counts the original and new edited lines', () => {
    expect(editedLinesFloor([{ path: 'a', before: 'a\nbb\nc\n', after: 'a\nBBB\nc\n' }])).toBe(3 + 4);
  });

  it('diffLines finds separate regions', () => {
    expect(diffLines(['a', 'b', 'c', 'd', 'e'], ['a', 'X', 'c', 'd', 'Y'])).toEqual([
      { a: 1, aLen: 1, b: 1, bLen: 1 },
      { a: 4, aLen: 1, b: 4, bLen: 1 },
    ]);
  });
});
