import { describe, expect, it } from 'vitest';
import { evaluateCommonJs } from '../harness/commonjs-file.ts';
import { fix } from '../../scripts/fixes/proxy-change-keeps-client/fix.ts';
import { TARGET } from '../../scripts/fixes/proxy-change-keeps-client/meta.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { FIX_CATALOG } from '../../scripts/fixes/catalog.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;
const KEY = '__clerk_client_jwt';

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration createClerkInstance$/ });

describe('Fix P codemod: names and registration', () => {
  it('is registered (letter P, @clerk/expo) in FIXES and the catalog', () => {
    expect(FIXES.filter((f) => f.id === fix.id).map((f) => [f.letter, f.package])).toEqual([['P', '@clerk/expo']]);
    expect(FIX_CATALOG.some((m) => m.id === fix.id && m.letter === 'P')).toBe(true);
  });
});

/**
 * Runs a published createClerkInstance.js with a stand-in Clerk class, as singleton.js does
 * (`getClerkInstance = createClerkInstance(Clerk)`), and records the token cache's clears.
 */
function load(text: string, version: string) {
  const anything: unknown = new Proxy(function () {}, {
    get: (_t, k) => (k === 'default' ? { version } : k === 'CLERK_CLIENT_JWT_KEY' ? KEY : anything),
    apply: () => anything,
  });
  const exported = evaluateCommonJs(text, {
    require: (id) => (id === 'react-native' ? { Platform: { OS: 'ios' } } : anything),
    setTimeout,
    clearTimeout,
    globals: { Array },
  });
  const built: { key: string; options: unknown }[] = [];
  class Clerk {
    constructor(
      public publishableKey: string,
      options: unknown,
    ) {
      built.push({ key: publishableKey, options });
    }
    __internal_onBeforeRequest() {}
    __internal_onAfterResponse() {}
    addListener() {}
  }
  const cleared: string[] = [];
  const cache = {
    getToken: async () => 'client-jwt',
    saveToken: async () => {},
    clearToken: async (k: string) => void cleared.push(k),
  };
  const create = exported.createClerkInstance as (c: unknown) => (o?: object) => Clerk;
  return { getClerkInstance: create(Clerk), built, cleared, cache };
}

/** An API client module asks first with the key alone; the provider passes the key, its proxy and the cache. */
function earlyKeyThenProviderWithProxy(text: string, version: string) {
  const f = load(text, version);
  const early = f.getClerkInstance({ publishableKey: 'pk_test_a' });
  const fromProvider = f.getClerkInstance({
    publishableKey: 'pk_test_a',
    proxyUrl: 'https://app.test/__clerk',
    domain: undefined,
    tokenCache: f.cache,
  });
  return { ...f, rebuilt: early !== fromProvider };
}

for (const v of ['3.4.3', '4.6.6']) {
  describe(`Fix P on the published ${v} createClerkInstance.js`, () => {
    it('pristine: the provider call that adds the proxy rebuilds the singleton and clears the client JWT', async () => {
      const text = (await fetchPackage('@clerk/expo', v)).read(TARGET)!;
      expect(fix.detect(text, TARGET).status).toBe('vulnerable');
      const r = earlyKeyThenProviderWithProxy(text, v);
      expect(r.rebuilt).toBe(true);
      expect(r.cleared).toEqual([KEY]);
    });

    it('patched: rebuilt with the proxy, the client JWT kept; a new publishable key still clears it', async () => {
      const text = (await fetchPackage('@clerk/expo', v)).read(TARGET)!;
      const p = fix.apply(text, TARGET);
      if (!p.changed) throw new Error('expected a change');
      expect(parseErrors(p.text)).toBe(0);
      expect(fix.detect(p.text, TARGET).status).toBe('patched');
      const r = earlyKeyThenProviderWithProxy(p.text, v);
      expect(r.rebuilt).toBe(true);
      expect(r.built.at(-1)).toEqual({ key: 'pk_test_a', options: { proxyUrl: 'https://app.test/__clerk', domain: undefined } });
      expect(r.cleared).toEqual([]);
      // The reverse (the proxy removed) and a domain change keep it too.
      r.getClerkInstance({ publishableKey: 'pk_test_a', proxyUrl: undefined, domain: 'satellite.test', tokenCache: r.cache });
      expect(r.cleared).toEqual([]);
      // Another instance (JS-598's hot swap): its client JWT is not this one's.
      r.getClerkInstance({ publishableKey: 'pk_test_b', tokenCache: r.cache });
      expect(r.cleared).toEqual([KEY]);
      expect(r.built.map((b) => b.key)).toEqual(['pk_test_a', 'pk_test_a', 'pk_test_a', 'pk_test_b']);
    });
  });
}
