import { beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_NEW_IDENTIFIERS, fix, patchedConditions } from '../../scripts/fixes/ios-keep-cache-on-first-launch/fix.ts';
import {
  countParseProblems,
  descendants,
  findFunctions,
  parseSwift,
  squash,
  statementList,
  statementsOf,
  unexpectedIdentifiers,
} from '../../scripts/codemod/swift-ast.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { runSwiftFixtures } from './swift-fixtures.ts';

runSwiftFixtures(fix, ALLOWED_NEW_IDENTIFIERS);

/** The conditions of the one `if` in syncTokenState that guards clearCachedClerkData(). */
function clearConditions(text: string): string[] {
  const fn = findFunctions(parseSwift(text), 'syncTokenState')[0]!;
  const ifs = descendants(fn, 'if_statement').filter((s) =>
    statementList(statementsOf(s)).some((c) => squash(c.text()) === 'clearCachedClerkData()'),
  );
  expect(ifs.length).toBe(1);
  const head = ifs[0]!.text();
  return head
    .slice(0, head.indexOf('{'))
    .replace(/^if\s+/, '')
    .split(',')
    .map(squash);
}

describe('Fix C on the real published bridge files', () => {
  const cases = [
    { version: '3.2.7', file: 'ios/ClerkViewFactory.swift' },
    { version: '3.4.3', file: 'ios/ClerkNativeBridge.swift' },
  ];
  const patched = new Map<string, { before: string; after: string }>();
  beforeAll(async () => {
    for (const c of cases) {
      const pkg = await fetchPackage('@clerk/expo', c.version);
      expect(fix.targets(pkg)).toEqual([c.file]);
      const before = pkg.read(c.file)!;
      const r = fix.apply(before, c.file);
      if (!r.changed) throw new Error(`${c.version}: expected a change`);
      patched.set(c.version, { before, after: r.text });
    }
  });

  for (const c of cases) {
    it(`${c.version}: clears on any change before, only on a differing previous token after; parses, allowlist holds, idempotent`, () => {
      const { before, after } = patched.get(c.version)!;
      expect(fix.detect(before, c.file).status).toBe('vulnerable');
      expect(clearConditions(before)).toEqual(['existingToken != token']);
      expect(clearConditions(after)).toEqual(patchedConditions('existingToken', 'token'));
      expect(countParseProblems(after)).toEqual({ errors: 0, missing: 0 });
      expect(unexpectedIdentifiers(before, after, ALLOWED_NEW_IDENTIFIERS)).toEqual([]);
      expect(fix.detect(after, c.file).status).toBe('patched');
      expect(fix.apply(after, c.file).changed).toBe(false);
    });
  }

  it('the allowlist check fails on a stray identifier', () => {
    const { before, after } = patched.get('3.2.7')!;
    const stray = after.replace('existingToken != nil,', 'existingToken != nil, isFirstLaunchEver,');
    expect(stray).not.toBe(after);
    expect(unexpectedIdentifiers(before, stray, ALLOWED_NEW_IDENTIFIERS)).toEqual(['isFirstLaunchEver']);
  });

  it('3.1.2 (no syncTokenState) and 3.5.2 (ClerkKit owns the cache) are not-affected', async () => {
    for (const v of ['3.1.2', '3.5.2']) {
      const pkg = await fetchPackage('@clerk/expo', v);
      const [file] = fix.targets(pkg);
      const text = pkg.read(file!)!;
      expect(fix.detect(text, file!).status, v).toBe('not-affected');
      expect(fix.apply(text, file!).changed, v).toBe(false);
    }
  });
});
