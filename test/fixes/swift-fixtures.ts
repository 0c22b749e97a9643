import { expect } from 'vitest';
import type { Fix } from '../../scripts/core/fix.ts';
import { countParseProblems, unexpectedIdentifiers } from '../../scripts/codemod/swift-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const swiftParseErrors = (text: string): number => {
  const p = countParseProblems(text);
  return p.errors + p.missing;
};

/** The shared fixture contract for a Swift fix, plus its identifier allowlist on every output. */
export function runSwiftFixtures(fix: Fix, allowed: Readonly<Record<string, string>>): void {
  describeFixtureCases(fix, {
    ext: 'swift',
    parseErrors: swiftParseErrors,
    minPairs: 2,
    pairChecks: {
      'output uses no identifier outside the pristine file and the allowlist': (input, output) =>
        expect(unexpectedIdentifiers(input, output, allowed)).toEqual([]),
    },
  });
}
