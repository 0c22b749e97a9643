import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fix } from '../../scripts/fixes/token-cache-keeps-session-on-read-error/fix.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';
import { VirtualClock } from '../harness/virtual-clock.ts';

const dir = path.resolve(__dirname, '../../fixtures/token-cache-keeps-session-on-read-error');
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;
const TARGET = 'dist/token-cache/index.js';

describeFixtureCases(fix, {
  ext: 'js',
  parseErrors,
  label: /^(FunctionDeclaration createTokenCache|MethodDeclaration getToken \(class \(anonymous\)\))$/,
});

/**
 * Runs a token-cache module (CommonJS text) against a scripted secure store and AppState, on a
 * virtual clock; returns its exported tokenCache, what the store saw, and `settle(promise)`, which
 * lets virtual time pass (each timer at its deadline, the promise chains drained in between)
 * until the promise has settled or nothing is left to fire. Nothing waits in real time.
 */
function load(text: string, reads: (() => Promise<string | null>)[], appState = 'active') {
  const calls: string[] = [];
  const listeners: ((s: string) => void)[] = [];
  const AppState = {
    currentState: appState,
    addEventListener: (_: string, fn: (s: string) => void) => {
      listeners.push(fn);
      return { remove: () => listeners.splice(listeners.indexOf(fn), 1) };
    },
  };
  let n = 0;
  const store = {
    AFTER_FIRST_UNLOCK: 0,
    getItemAsync: (key: string) => {
      calls.push(`get ${key}`);
      return reads[Math.min(n++, reads.length - 1)]!();
    },
    setItemAsync: async (key: string) => void calls.push(`set ${key}`),
    deleteItemAsync: async (key: string) => void calls.push(`delete ${key}`),
  };
  const mods: Record<string, unknown> = {
    'expo-secure-store': store,
    'react-native': { AppState },
    '../utils': { isNative: () => true },
    '../utils/runtime.js': { isNative: () => true },
    '../utils/index.js': {},
    '../_virtual/_rolldown/runtime.js': { __toESM: (m: unknown) => m },
  };
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string) => {
    if (!(id in mods)) throw new Error(`unexpected require(${id})`);
    return mods[id];
  };
  const clock = new VirtualClock();
  const { setTimeout, clearTimeout } = clock.globals;
  vm.runInNewContext(text, { module, exports: module.exports, require, setTimeout, clearTimeout, Promise, Symbol, Object });
  const cache = module.exports.tokenCache as { getToken(k: string): Promise<string | null> };
  const foreground = () => {
    AppState.currentState = 'active';
    for (const fn of [...listeners]) fn('active');
  };
  /** Fires timers at their deadlines, promise chains drained in between, until `p` settles or nothing is left to fire. */
  const drain = async (p?: Promise<unknown>): Promise<void> => {
    let done = false;
    p?.then(
      () => void (done = true),
      () => void (done = true),
    );
    for (;;) {
      for (let i = 0; i < 20; i++) await Promise.resolve();
      const next = clock.nextDue(Number.POSITIVE_INFINITY);
      if (done || !next) return;
      clock.setNow(Math.max(clock.now(), next.deadline));
      clock.fire(next.id);
    }
  };
  const settle = async <T>(p: Promise<T>): Promise<T> => {
    await drain(p);
    return p;
  };
  return { cache, calls, foreground, listeners, clock, drain, settle };
}

const locked = () =>
  Promise.reject(
    Object.assign(new Error("Calling the 'getValueWithKeyAsync' function has failed\n→ Caused by: User interaction is not allowed."), {
      code: 'ERR_KEY_CHAIN',
    }),
  );
const stored = () => Promise.resolve('client_jwt');
const empty = () => Promise.resolve(null);

describe('Fix F codemod: names, registration, targets', () => {
  it('derives the store, key and options names from the AST and keeps the code indentation', () => {
    const r = fix.apply(read('method-renamed.input.js'), 'm.js');
    if (!r.changed) throw new Error('expected a change');
    expect(r.text).toContain('\n                    return await store.getItemAsync(name, options);\n');
    expect(r.text).not.toContain('deleteItemAsync');
    expect(r.text).toContain("require('react-native').AppState");
  });

  it('is registered in FIXES for @clerk/expo, not fixed upstream', () => {
    expect(FIXES.filter((f) => f.id === fix.id).map((f) => [f.letter, f.package, f.fixedUpstreamIn])).toEqual([['F', '@clerk/expo', null]]);
  });

  it('targets what exports["./token-cache"] and the token-cache/package.json shim resolve to', () => {
    const shim = JSON.stringify({ main: '../dist/token-cache/index.js' });
    const pkg = (files: string[], exportsField: unknown) => ({
      name: '@clerk/expo',
      version: '4.6.6',
      packageJson: { exports: exportsField },
      files,
      read: (p: string) => (p === 'token-cache/package.json' ? shim : undefined),
    });
    const exp = { './token-cache': { types: './dist/token-cache/index.d.ts', default: './dist/token-cache/index.js' } };
    expect(fix.targets(pkg([TARGET, 'dist/token-cache/index.d.ts'], exp))).toEqual([TARGET]);
    expect(fix.targets(pkg([TARGET, 'token-cache/package.json'], {}))).toEqual([TARGET]);
    expect(fix.targets(pkg(['dist/index.js'], {}))).toEqual([]);
  });
});

describe('Fix F on the real published @clerk/expo (three builds of the token cache)', () => {
  for (const v of ['3.0.1', '3.2.7', '3.4.3', '4.6.6']) {
    it(`${v}: vulnerable; the patch replaces getToken only; patched, idempotent, parses`, async () => {
      const pkg = await fetchPackage('@clerk/expo', v);
      expect(fix.targets(pkg)).toEqual([TARGET]);
      const text = pkg.read(TARGET)!;
      expect(fix.detect(text, TARGET).status).toBe('vulnerable');
      const r = fix.apply(text, TARGET);
      if (!r.changed) throw new Error('expected a change');
      expect(parseErrors(r.text)).toBe(0);
      expect(fix.detect(r.text, TARGET).status).toBe('patched');
      expect(fix.apply(r.text, TARGET).changed).toBe(false);
      // saveToken / clearToken keep their deletes and writes; only getToken's read changed.
      expect(r.text.slice(0, r.node.start)).toBe(text.slice(0, r.node.start));
      expect(r.text.slice(r.text.length - (text.length - r.node.end))).toBe(text.slice(r.node.end));
      const setCalls = (t: string) => t.split('setItemAsync').length;
      expect(setCalls(r.text)).toBe(setCalls(text));
      expect(r.text.split('deleteItemAsync').length).toBe(text.split('deleteItemAsync').length - 1);
    });
  }

  it('4.6.6 behaviour: a failed read never deletes and never answers null; pristine does both', async () => {
    const pkg = await fetchPackage('@clerk/expo', '4.6.6');
    const text = pkg.read(TARGET)!;
    const r = fix.apply(text, TARGET);
    if (!r.changed) throw new Error('expected a change');

    // Fails twice, then reads: pristine deletes and answers null; patched answers the stored JWT.
    const p = load(text, [locked, locked, stored]);
    expect(await p.settle(p.cache.getToken('__clerk_client_jwt'))).toBeNull();
    expect(p.calls).toEqual(['get __clerk_client_jwt', 'delete __clerk_client_jwt']);
    const f = load(r.text, [locked, locked, stored]);
    expect(await f.settle(f.cache.getToken('__clerk_client_jwt'))).toBe('client_jwt');
    expect(
      f.clock.fired.map((t) => t.delay),
      'the patched backoff between reads',
    ).toEqual([100, 200]);
    expect(f.calls).toEqual(['get __clerk_client_jwt', 'get __clerk_client_jwt', 'get __clerk_client_jwt']);

    // Nothing stored: null, one read, as pristine.
    const e = load(r.text, [empty]);
    expect(await e.settle(e.cache.getToken('k'))).toBeNull();
    expect(e.calls).toEqual(['get k']);

    // Foreground and still failing: rejects with the store's error after 4 reads, deletes nothing.
    const a = load(r.text, [locked]);
    await expect(a.settle(a.cache.getToken('k'))).rejects.toMatchObject({ code: 'ERR_KEY_CHAIN' });
    expect(a.calls).toEqual(['get k', 'get k', 'get k', 'get k']);

    // Background: waits for the app to become active, then reads again.
    const b = load(r.text, [locked, locked, locked, locked, stored], 'background');
    let answer: string | null | undefined;
    const pending = b.cache.getToken('k').then((x) => (answer = x));
    await b.drain(pending); // every read and backoff done: nothing left to fire, still waiting for the foreground
    expect(b.listeners).toHaveLength(1);
    expect(answer).toBeUndefined();
    expect(b.calls).toHaveLength(4);
    b.foreground();
    await pending;
    expect(answer).toBe('client_jwt');
    expect(b.listeners).toHaveLength(0);
    expect(b.calls).not.toContain('delete k');
  });
});
