import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fix } from '../../scripts/fixes/singleton-latest-token-cache/fix.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const dir = path.resolve(__dirname, '../../fixtures/singleton-latest-token-cache');
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;
const TARGET = 'dist/provider/singleton/createClerkInstance.js';
const KEY = '__clerk_client_jwt';

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration createClerkInstance$/ });

type Cache = {
  getToken(k: string): Promise<string | null>;
  saveToken(k: string, v: string): Promise<void>;
  clearToken?(k: string): Promise<void>;
};
const mapCache = (init: Record<string, string> = {}): Cache & { store: Map<string, string> } => {
  const store = new Map(Object.entries(init));
  return {
    store,
    getToken: async (k) => store.get(k) ?? null,
    saveToken: async (k, v) => void store.set(k, v),
    clearToken: async (k) => void store.delete(k),
  };
};

/** A stand-in for any module the factory requires but this test does not exercise: callable, any property. */
function anything(): unknown {
  const f = function () {} as unknown as object;
  return new Proxy(f, {
    get: (_t, p) => (p === 'then' || p === Symbol.toPrimitive ? undefined : p === 'version' ? '0.0.0' : anything()),
    apply: (_t, _this, args) => (args.length > 0 ? args[0] : anything()),
  });
}

/**
 * Runs the published createClerkInstance.js (pristine or patched) with a fake Clerk class that
 * records its request hook, as singleton.js does: `getClerkInstance = createClerkInstance(Clerk)`.
 * Returns getClerkInstance and a way to run the registered onBeforeRequest hook.
 */
function loadFactory(text: string, memory: Cache) {
  class FakeClerk {
    before: ((init: { headers: Map<string, string>; url?: URL }) => Promise<void>)[] = [];
    constructor(public publishableKey: string) {}
    __internal_onBeforeRequest(cb: FakeClerk['before'][number]) {
      this.before.push(cb);
    }
    __internal_onAfterResponse() {}
    addListener() {}
  }
  const fakeRequire = (id: string): unknown => {
    if (/cache\/MemoryTokenCache(\.js)?$/.test(id)) return { MemoryTokenCache: memory };
    if (/\/constants(\.js)?$/.test(id)) return { CLERK_CLIENT_JWT_KEY: KEY };
    if (id === 'react-native') return { Platform: { OS: 'ios' } };
    if (id.endsWith('package.json')) return { name: '@clerk/expo', version: '0.0.0', default: { name: '@clerk/expo', version: '0.0.0' } };
    return anything();
  };
  const module = { exports: {} as Record<string, unknown> };
  vm.runInNewContext(text, {
    require: fakeRequire,
    module,
    exports: module.exports,
    Object,
    Promise,
    URL,
    console,
    setTimeout,
    clearTimeout,
  });
  const create = module.exports.createClerkInstance as (c: typeof FakeClerk) => (o?: object) => FakeClerk;
  const getClerkInstance = create(FakeClerk);
  /** The authorization header the instance's request hook sends. */
  const authorization = async (clerk: FakeClerk): Promise<string | undefined> => {
    const headers = new Map<string, string>();
    for (const cb of clerk.before)
      await cb({
        headers: { set: (k: string, v: string) => headers.set(k, v) } as unknown as Map<string, string>,
        url: new URL('https://x.test/v1/client'),
      });
    return headers.get('authorization');
  };
  return { getClerkInstance, authorization };
}

/** The seed scenario: an API client module calls getClerkInstance() first, then ClerkProvider passes SecureStore. */
async function earlyCallThenProvider(text: string) {
  const memory = mapCache();
  const secure = mapCache({ [KEY]: 'client-jwt-from-securestore' });
  const { getClerkInstance, authorization } = loadFactory(text, memory);
  const early = getClerkInstance({ publishableKey: 'pk_test_x' });
  const fromProvider = getClerkInstance({ publishableKey: 'pk_test_x', tokenCache: secure });
  expect(fromProvider).toBe(early);
  const afterProvider = await authorization(early);
  // A later call without the key keeps the latest cache.
  getClerkInstance();
  const afterKeylessCall = await authorization(early);
  return { afterProvider, afterKeylessCall };
}

describe('Fix H codemod: names and registration', () => {
  it('is registered in FIXES for @clerk/expo', () => {
    expect(FIXES.filter((f) => f.id === 'singleton-latest-token-cache').map((f) => [f.letter, f.package])).toEqual([['H', '@clerk/expo']]);
  });

  it('derives the per-call local and options names from the AST (minified `{tokenCache:t}`, `(o) =>`)', () => {
    const r = fix.apply(read('minified.input.js'), 'm.js');
    if (!r.changed) throw new Error('expected a change');
    expect(r.text).toContain('Object.prototype.hasOwnProperty.call(o, "tokenCache"))) latestTokenCache = t;');
    expect(r.text).toContain('const getToken=(key) => latestTokenCache.getToken(key);');
  });

  it('targets createClerkInstance.js only when the package has it', () => {
    const pkg = (files: string[]) => ({ name: '@clerk/expo', version: '3.2.7', packageJson: {}, files, read: () => undefined });
    expect(fix.targets(pkg([TARGET, 'dist/index.js']))).toEqual([TARGET]);
    expect(fix.targets(pkg(['dist/index.js']))).toEqual([]);
  });
});

describe('Fix H on the real published @clerk/expo', () => {
  for (const v of ['3.2.7', '3.4.3', '3.6.2']) {
    it(`${v}: vulnerable; pristine sends no client JWT after the provider passes SecureStore, patched sends it`, async () => {
      const pkg = await fetchPackage('@clerk/expo', v);
      expect(fix.targets(pkg)).toEqual([TARGET]);
      const text = pkg.read(TARGET)!;
      expect(fix.detect(text, TARGET).status).toBe('vulnerable');
      const r = fix.apply(text, TARGET);
      if (!r.changed) throw new Error('expected a change');
      expect(parseErrors(r.text)).toBe(0);
      expect(fix.detect(r.text, TARGET).status).toBe('patched');
      expect(fix.apply(r.text, TARGET).changed).toBe(false);

      const pristine = await earlyCallThenProvider(text);
      expect(pristine.afterProvider).toBe('');
      const patched = await earlyCallThenProvider(r.text);
      expect(patched).toEqual({ afterProvider: 'client-jwt-from-securestore', afterKeylessCall: 'client-jwt-from-securestore' });
    });
  }

  it('3.6.3 (upstream fix): fixed-upstream, apply is a no-op, and it behaves like the patch', async () => {
    const pkg = await fetchPackage('@clerk/expo', '3.6.3');
    const text = pkg.read(TARGET)!;
    expect(fix.detect(text, TARGET).status).toBe('fixed-upstream');
    expect(fix.apply(text, TARGET).changed).toBe(false);
    expect(await earlyCallThenProvider(text)).toEqual({
      afterProvider: 'client-jwt-from-securestore',
      afterKeylessCall: 'client-jwt-from-securestore',
    });
  });

  it('outside the bug (provider first, with SecureStore): pristine and patched both send the client JWT', async () => {
    const pkg = await fetchPackage('@clerk/expo', '3.4.3');
    const text = pkg.read(TARGET)!;
    const r = fix.apply(text, TARGET);
    if (!r.changed) throw new Error('expected a change');
    for (const t of [text, r.text]) {
      const { getClerkInstance, authorization } = loadFactory(t, mapCache());
      const clerk = getClerkInstance({ publishableKey: 'pk_test_x', tokenCache: mapCache({ [KEY]: 'jwt' }) });
      getClerkInstance();
      expect(await authorization(clerk)).toBe('jwt');
    }
  });
});
