import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
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
