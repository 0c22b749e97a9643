import { describe, expect, it } from 'vitest';
import { FIX_CATALOG } from '../../scripts/fixes/catalog.ts';
import { FIXES } from '../../scripts/fixes/index.ts';

describe('fix catalog (the metadata sync and check read without loading a codemod)', () => {
  it('lists every fix, in registry order, with the same metadata and targets as the fix itself', () => {
    expect(FIX_CATALOG.map((m) => m.id)).toEqual(FIXES.map((f) => f.id));
    for (const [i, fix] of FIXES.entries()) {
      const meta = FIX_CATALOG[i]!;
      const { detect: _d, apply: _a, ...fromFix } = fix;
      expect(meta).toEqual(fromFix);
      expect(meta.targets).toBe(fix.targets);
    }
  });
});
