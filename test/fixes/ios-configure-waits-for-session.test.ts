import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOWED_NEW_IDENTIFIERS,
  DEADLINE_LOCAL,
  DEADLINE_NS,
  HELPER,
  directCall,
  fix,
  guardedCall,
} from '../../scripts/fixes/ios-configure-waits-for-session/fix.ts';
import { fix as fixC } from '../../scripts/fixes/ios-keep-cache-on-first-launch/fix.ts';
import {
  countParseProblems,
  descendants,
  findFunctions,
  identifiers,
  parseSwift,
  squash,
  statementList,
  statementsOf,
  unexpectedIdentifiers,
  type SgNode,
} from '../../scripts/codemod/swift-ast.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { runSwiftFixtures } from './swift-fixtures.ts';

runSwiftFixtures(fix, ALLOWED_NEW_IDENTIFIERS);

const TOKEN_PRESENT = '!(bearerToken?.isEmpty ?? true)';

/** The parts of a patched file the scenario rows look at. */
function parts(text: string) {
  const root = parseSwift(text);
  const configure = findFunctions(root, 'configure').find((f) =>
    f.children().some((c) => c.kind() === 'parameter' && c.children()[0]?.text() === 'bearerToken'),
  );
  const helpers = findFunctions(root, HELPER);
  if (!configure || helpers.length !== 1) throw new Error('patched file without configure or exactly one helper');
  const helper = helpers[0]!;
  const top = statementList(statementsOf(configure));
  const all = descendants(configure, 'statements').flatMap((s) => statementList(s));
  const calls = all.filter((s) => squash(s.text()) === directCall());
  const enclosingIf = (n: SgNode) => n.ancestors().find((a) => a.kind() === 'if_statement');
  const condition = (ifs: SgNode) =>
    squash(
      ifs
        .text()
        .slice(0, ifs.text().indexOf('{'))
        .replace(/^if\s+/, ''),
    );
  return { root, configure, helper, top, all, calls, enclosingIf, condition };
}

/** Rows of the README's scenario table: each checks that patched configure has the branch for it. */
const SCENARIOS: Record<string, (text: string) => void> = {
  'first launch with token': (text) => {
    const p = parts(text);
    const setup = p.top.findIndex((s) => squash(s.text()).startsWith('Clerk.configure('));
    const wait = p.top.findIndex((s) => s.kind() === 'if_statement' && squash(s.text()) === squash(guardedCall('', '  ')));
    expect(setup).toBeGreaterThanOrEqual(0);
    // After Clerk.configure: with a token and no session yet (no usable cache), refresh and wait.
    expect(wait).toBeGreaterThan(setup);
  },
  'token changed': (text) => {
    const p = parts(text);
    const branch = p.top.find(
      (s) => s.kind() === 'if_statement' && p.condition(s) === 'Self.shouldRefreshConfiguredClient(for: bearerToken)',
    );
    if (!branch) {
      // 3.1.2–3.1.5 have no already-configured path (the token is written only if none exists).
      expect(identifiers(p.root).has('shouldRefreshConfiguredClient')).toBe(false);
      return;
    }
    const body = statementList(statementsOf(branch)).map((s) => squash(s.text()));
    expect(body).toContain(directCall());
    expect(body).not.toContain('_ = try? await Clerk.shared.refreshClient()');
    expect(body).not.toContain('await Self.waitForLoadedSession()');
    expect(body[body.length - 1]).toBe('return');
  },
  'no token': (text) => {
    const p = parts(text);
    expect(p.calls.length).toBeGreaterThan(0);
    for (const call of p.calls) {
      const ifs = p.enclosingIf(call);
      expect(ifs, 'every wait sits under a condition').toBeDefined();
      const cond = p.condition(ifs!);
      const shouldRefresh = findFunctions(p.root, 'shouldRefreshConfiguredClient')[0];
      const requiresToken =
        cond.includes(TOKEN_PRESENT) ||
        (cond === 'Self.shouldRefreshConfiguredClient(for: bearerToken)' &&
          !!shouldRefresh &&
          squash(shouldRefresh.text()).includes(TOKEN_PRESENT));
      expect(requiresToken, `"${cond}" requires a bearer token`).toBe(true);
    }
    expect(p.all.some((s) => s.kind() === 'for_statement')).toBe(false);
    expect(p.all.some((s) => squash(s.text()) === 'await Self.waitForLoadedSession()')).toBe(false);
  },
  'server says no session': (text) => {
    const p = parts(text);
    const body = statementList(statementsOf(p.helper));
    // The refresh's return is the answer: nothing polls or re-checks the session afterwards.
    expect(body[body.length - 1]!.kind()).toBe('do_statement');
    expect(descendants(p.helper, 'for_statement').length + descendants(p.helper, 'while_statement').length).toBe(0);
    expect(identifiers(p.helper).has('session')).toBe(false);
    const doBlock = statementList(body[body.length - 1]!.children().find((c) => c.kind() === 'statements'));
    expect(doBlock.map((s) => squash(s.text()))).toEqual(['try await refresh.value']);
  },
  'network slow beyond the deadline': (text) => {
    const p = parts(text);
    const body = statementList(statementsOf(p.helper)).map((s) => squash(s.text()));
    const decl = body.find((s) => s.startsWith(`let ${DEADLINE_LOCAL}:`));
    expect(decl).toBe(`let ${DEADLINE_LOCAL}: UInt64 = ${DEADLINE_NS}`);
    expect(Number(DEADLINE_NS.replace(/_/g, '')) / 1e9).toBe(15);
    expect(body).toContain(`let deadline = Task { @MainActor in try await Task.sleep(nanoseconds: ${DEADLINE_LOCAL}) refresh.cancel() }`);
    expect(body).toContain('defer { deadline.cancel() }');
    const catches = descendants(p.helper, 'catch_block').map((c) => squash(c.text()));
    expect(catches.some((c) => c.includes('if refresh.isCancelled { return }'))).toBe(true);
  },
  'network error': (text) => {
    const p = parts(text);
    const catches = descendants(p.helper, 'catch_block').map((c) =>
      statementList(c.children().find((k) => k.kind() === 'statements')).map((s) => squash(s.text())),
    );
    expect(catches.length).toBe(1);
    expect(catches[0]![catches[0]!.length - 1]).toBe('throw error');
    // Call sites let it through: `try`, never `try?`.
    for (const s of p.all) expect(squash(s.text())).not.toContain(`try? await Self.${HELPER}`);
    expect(p.calls.length).toBeGreaterThan(0);
  },
};

const dir = path.resolve(__dirname, '../../fixtures', fix.id);
const outputs = fs.readdirSync(dir).filter((f) => f.endsWith('.output.swift'));

describe('Fix B scenario table (README) on the patched fixtures', () => {
  for (const [row, check] of Object.entries(SCENARIOS)) {
    for (const f of outputs) it(`${row} — ${f}`, () => check(fs.readFileSync(path.join(dir, f), 'utf8')));
  }
  it('a scenario check fails on the pristine code (the checks can fail)', () => {
    const input = fs.readFileSync(path.join(dir, 'wait-and-refresh.input.swift'), 'utf8');
    expect(() => SCENARIOS['no token']!(input)).toThrow();
    const output = fs.readFileSync(path.join(dir, 'wait-and-refresh.output.swift'), 'utf8');
    expect(() => SCENARIOS['network error']!(output.replace('throw error', 'return'))).toThrow();
  });
});

describe('Fix B identifier allowlist', () => {
  const input = fs.readFileSync(path.join(dir, 'inline-poll.input.swift'), 'utf8');
  const output = fs.readFileSync(path.join(dir, 'inline-poll.output.swift'), 'utf8');
  it('holds for the patched output', () => expect(unexpectedIdentifiers(input, output, ALLOWED_NEW_IDENTIFIERS)).toEqual([]));
  it('fails when the patched file uses a stray identifier', () => {
    const stray = output.replace('refresh.cancel()', 'refresh.cancelEverything()');
    expect(stray).not.toBe(output);
    expect(countParseProblems(stray)).toEqual({ errors: 0, missing: 0 });
    expect(unexpectedIdentifiers(input, stray, ALLOWED_NEW_IDENTIFIERS)).toEqual(['cancelEverything']);
  });
  it('every name "declared by this patch" is declared in the patched code', () => {
    const root = parseSwift(output);
    const declared = new Set([
      ...descendants(root, 'function_declaration').map((f) =>
        f
          .children()
          .find((c) => c.kind() === 'simple_identifier')
          ?.text(),
      ),
      ...descendants(root, 'property_declaration').map((p) =>
        p
          .children()
          .find((c) => c.kind() === 'pattern')
          ?.text(),
      ),
    ]);
    const own = Object.entries(ALLOWED_NEW_IDENTIFIERS)
      .filter(([, why]) => why.startsWith('declared by this patch'))
      .map(([n]) => n);
    expect(own.length).toBeGreaterThan(0);
    for (const n of own) expect(declared.has(n), n).toBe(true);
  });
});

describe('Fix B on the real published bridge files', () => {
  const cases = [
    { version: '3.1.2', file: 'ios/ClerkViewFactory.swift' },
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
    describe(`${c.version} ${c.file}`, () => {
      it('pristine is vulnerable; patched parses with zero ERROR/MISSING, holds the allowlist, detects patched, apply is then a no-op', () => {
        const { before, after } = patched.get(c.version)!;
        expect(fix.detect(before, c.file).status).toBe('vulnerable');
        expect(countParseProblems(after)).toEqual({ errors: 0, missing: 0 });
        expect(unexpectedIdentifiers(before, after, ALLOWED_NEW_IDENTIFIERS)).toEqual([]);
        expect(fix.detect(after, c.file).status).toBe('patched');
        expect(fix.apply(after, c.file).changed).toBe(false);
      });
      for (const [row, check] of Object.entries(SCENARIOS)) it(`scenario: ${row}`, () => check(patched.get(c.version)!.after));
      it('composes with Fix C in either order', () => {
        const { before, after } = patched.get(c.version)!;
        const c1 = fixC.apply(before, c.file);
        if (!c1.changed) {
          expect(c.version).toBe('3.1.2'); // no syncTokenState before 3.1.6
          expect(fixC.detect(before, c.file).status).toBe('not-affected');
          return;
        }
        const cb = fix.apply(c1.text, c.file);
        const bc = fixC.apply(after, c.file);
        if (!cb.changed || !bc.changed) throw new Error('expected both orders to change the file');
        expect(cb.text).toBe(bc.text);
        expect(fix.detect(cb.text, c.file).status).toBe('patched');
        expect(fixC.detect(cb.text, c.file).status).toBe('patched');
      });
    });
  }

  it('3.5.2 (first release after upstream removed the session wait; 3.4.4 is not on the registry) is not-affected', async () => {
    const pkg = await fetchPackage('@clerk/expo', '3.5.2');
    const [file] = fix.targets(pkg);
    expect(file).toBe('ios/ClerkNativeBridge.swift');
    const text = pkg.read(file!)!;
    expect(fix.detect(text, file!).status).toBe('not-affected');
    expect(fix.apply(text, file!).changed).toBe(false);
  });

  it('3.0.1 ships no bridge file: no target, nothing to patch', async () => {
    const pkg = await fetchPackage('@clerk/expo', '3.0.1');
    expect(fix.targets(pkg)).toEqual([]);
  });
});
