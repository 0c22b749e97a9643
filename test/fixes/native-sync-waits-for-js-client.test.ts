import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { fix } from '../../scripts/fixes/native-sync-waits-for-js-client/fix.ts';
import { FIXES } from '../../scripts/fixes/index.ts';
import { parseJs } from '../../scripts/codemod/js-ast.ts';
import { describeFixtureCases } from './fixture-cases.ts';

const dir = path.resolve(__dirname, '../../fixtures/native-sync-waits-for-js-client');
const parseErrors = (text: string) => ((parseJs(text, 'x.js') as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics ?? []).length;

describeFixtureCases(fix, { ext: 'js', parseErrors, label: /^FunctionDeclaration syncNativeClientToJs$/ });

it('is registered after G and I (same files), for @clerk/expo 3.4.0–4.x, not fixed upstream', () => {
  const ids = FIXES.map((f) => f.id);
  expect(ids.indexOf(fix.id)).toBeGreaterThan(ids.indexOf('native-sync-keeps-signed-in-client'));
  expect(ids.indexOf(fix.id)).toBeGreaterThan(ids.indexOf('unauthenticated-recovery-signs-out-without-native-token'));
  expect(fix.affected).toBe('>=3.4.0 <5.0.0');
  expect(fix.fixedUpstreamIn).toBeNull();
});

// ---------------------------------------------------------------------------------------------
// The patched function, run: the rolldown fixture's output, with a Clerk instance that reports
// `loaded`, its client and its status the way clerk-js does (addListener on client emits,
// on('status') on status changes), and a sync that records when it starts.
// ---------------------------------------------------------------------------------------------

type Listener = () => void;
function fakeClerk(start: { loaded: boolean; clientId?: string }) {
  const listeners = new Set<Listener>();
  const statusHandlers = new Set<Listener>();
  const clerk = {
    loaded: start.loaded,
    client: start.clientId === undefined ? undefined : { id: start.clientId },
    addListener(l: Listener) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    on(_event: 'status', h: Listener) {
      statusHandlers.add(h);
    },
    off(_event: 'status', h: Listener) {
      statusHandlers.delete(h);
    },
    /** clerk-js's order on a successful load: updateClient (client emit, still loading), then status ready. */
    loadSucceeds(id: string) {
      clerk.client = { id };
      for (const l of [...listeners]) l();
      clerk.loaded = true;
      for (const h of [...statusHandlers]) h();
    },
    loadFails() {
      for (const h of [...statusHandlers]) h();
    },
    subscriptions: () => listeners.size + statusHandlers.size,
  };
  return clerk;
}

function patchedSync() {
  const out = fix.apply(fs.readFileSync(path.join(dir, 'rolldown.input.js'), 'utf8'), 'nativeClientSync.js');
  if (!out.changed) throw new Error('the fixture did not patch');
  const started: string[] = [];
  const module = { exports: {} as { syncNativeClientToJs: (a: object) => Promise<void> } };
  vm.runInNewContext(out.text, {
    module,
    exports: module.exports,
    require: () => ({ CLERK_CLIENT_JWT_KEY: '__clerk_client_jwt' }),
    refreshJsClientFromNativeState: async () => void started.push('adopt-or-reject'),
    Promise,
    WeakSet,
  });
  return { sync: module.exports.syncNativeClientToJs, started };
}

const tick = () => new Promise((r) => setImmediate(r));
const event = { changed: { deviceToken: true, client: true }, deviceToken: 'native-token' };

describe('Fix L at run time (patched fixture)', () => {
  it('waits through a failed load round (status error) and goes on once the load brings a client with an id', async () => {
    const { sync, started } = patchedSync();
    const clerk = fakeClerk({ loaded: false });
    const done = sync({ clerkInstance: clerk, nativeClientEvent: event, tokenCache: undefined });
    await tick();
    clerk.loadFails();
    await tick();
    expect(started).toEqual([]);
    clerk.loadSucceeds('client_js');
    await done;
    expect(started).toEqual(['adopt-or-reject']);
    expect(clerk.subscriptions()).toBe(0);
  });

  it('goes on at once when JS has loaded its client, and when the instance cannot report it', async () => {
    const loaded = patchedSync();
    await loaded.sync({ clerkInstance: fakeClerk({ loaded: true, clientId: 'client_js' }), nativeClientEvent: event });
    expect(loaded.started).toEqual(['adopt-or-reject']);
    const opaque = patchedSync();
    await opaque.sync({ clerkInstance: { loaded: false }, nativeClientEvent: event });
    expect(opaque.started).toEqual(['adopt-or-reject']);
  });

  it('waits once per instance: a client destroyed later (id "") does not hold a native event', async () => {
    const { sync, started } = patchedSync();
    const clerk = fakeClerk({ loaded: true, clientId: 'client_js' });
    await sync({ clerkInstance: clerk, nativeClientEvent: event });
    clerk.client = { id: '' };
    await sync({ clerkInstance: clerk, nativeClientEvent: event });
    expect(started).toEqual(['adopt-or-reject', 'adopt-or-reject']);
  });
});

// ---------------------------------------------------------------------------------------------
// Upstream's check (4.0.3+), patched: the upstream-check fixture's output, with a Clerk instance
// whose request hooks run in registration order, as clerk-js runs them, the first being
// createClerkInstance's (the token cache's JWT as `authorization`; a response's JWT saved).
// ---------------------------------------------------------------------------------------------

const JS_JWT = 'jwt-of-js-client';
const NATIVE_JWT = 'jwt-of-native-client';

function checkedWorld(answer: { id: string; sessions: number }) {
  const out = fix.apply(fs.readFileSync(path.join(dir, 'upstream-check.input.js'), 'utf8'), 'nativeClientSync.js');
  if (!out.changed) throw new Error('the fixture did not patch');
  const stored = new Map<string, string>([['__clerk_client_jwt', JS_JWT]]);
  const tokenCache = {
    getToken: async (k: string) => stored.get(k) ?? null,
    saveToken: async (k: string, v: string) => void stored.set(k, v),
    clearToken: async (k: string) => void stored.delete(k),
  };
  const before: ((init: { method: string; path: string; headers: Map<string, string> }) => unknown)[] = [];
  const after: ((init: object, res: { headers: { get: (k: string) => string | null } }) => unknown)[] = [];
  before.push(async (init) => void init.headers.set('authorization', (await tokenCache.getToken('__clerk_client_jwt')) ?? ''));
  after.push(async (_init, res) => {
    const jwt = res.headers.get('authorization');
    if (jwt) await tokenCache.saveToken('__clerk_client_jwt', jwt);
  });
  let answerRead: () => void = () => {};
  const sent: string[] = [];
  const clerk = {
    loaded: true,
    client: {
      id: 'client_js',
      signedInSessions: [{ id: 'sess_1' }],
      fetch: async () => {
        const init = { method: 'GET', path: '/client', headers: new Map<string, string>() };
        for (const cb of before) await cb(init);
        sent.push(init.headers.get('authorization') ?? '');
        await new Promise<void>((r) => (answerRead = r));
        const jwt = init.headers.get('authorization') === NATIVE_JWT ? NATIVE_JWT : JS_JWT;
        for (const cb of after) await cb(init, { headers: { get: (k: string) => (k === 'authorization' ? jwt : null) } });
        return { id: answer.id, signedInSessions: Array.from({ length: answer.sessions }, (_, i) => ({ id: `sess_n${i}` })) };
      },
    },
    updated: [] as { id: string }[],
    updateClient(c: { id: string }) {
      this.updated.push(c);
    },
    __internal_onBeforeRequest: (cb: (typeof before)[number]) => void before.push(cb),
    __internal_onAfterResponse: (cb: (typeof after)[number]) => void after.push(cb),
  };
  const module = { exports: {} as { syncNativeClientToJs: (a: object) => Promise<unknown> } };
  vm.runInNewContext(out.text, {
    module,
    exports: module.exports,
    require: () => ({ CLERK_CLIENT_JWT_KEY: '__clerk_client_jwt' }),
    Promise,
    WeakSet,
    WeakMap,
    Symbol,
    Object,
    String,
  });
  const done = module.exports.syncNativeClientToJs({
    clerkInstance: clerk,
    nativeClientEvent: { changed: { deviceToken: true, client: true }, deviceToken: NATIVE_JWT },
    tokenCache,
  });
  return { clerk, stored, sent, done, answer: () => answerRead() };
}

describe("Fix L at run time (upstream's check, patched fixture)", () => {
  it('reads the native client with the native token in its request while the token cache keeps the JS client JWT; a rejected client leaves the JS JWT stored', async () => {
    const w = checkedWorld({ id: 'client_native', sessions: 0 });
    await vi.waitFor(() => expect(w.sent).toHaveLength(1));
    expect(w.sent).toEqual([NATIVE_JWT]);
    // The read has not answered (a slow server): the app left now starts the next launch with the JS client.
    expect(w.stored.get('__clerk_client_jwt')).toBe(JS_JWT);
    w.answer();
    expect(await w.done).toBe('restored');
    expect(w.stored.get('__clerk_client_jwt')).toBe(JS_JWT);
    expect(w.clerk.updated).toEqual([]);
  });

  it('an accepted native client (it has a session) is stored and handed to clerk-js, as before', async () => {
    const w = checkedWorld({ id: 'client_native', sessions: 1 });
    await vi.waitFor(() => expect(w.sent).toHaveLength(1));
    expect(w.stored.get('__clerk_client_jwt')).toBe(JS_JWT);
    w.answer();
    expect(await w.done).toBe('refreshed');
    expect(w.stored.get('__clerk_client_jwt')).toBe(NATIVE_JWT);
    expect(w.clerk.updated.map((c) => c.id)).toEqual(['client_native']);
  });
});
