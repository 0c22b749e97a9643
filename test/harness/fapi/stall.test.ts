import { afterEach, describe, expect, it } from 'vitest';
import { FakeFapi } from './server.ts';

/** FakeFapi.stall(): a request that gets no answer until released (a connection hung after a network change). */
let fapi: FakeFapi | undefined;
afterEach(async () => {
  await fapi?.close();
  fapi = undefined;
});

/** Turns the event loop until `cond` holds (the server saw the request); a hang guard, not a timing assumption. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100_000 && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  if (!cond()) throw new Error(`never happened: ${what}`);
}

const getClient = (f: FakeFapi, auth: string, signal?: AbortSignal) =>
  fetch(`${f.proxyUrl}/v1/client?_is_native=1`, { headers: { authorization: auth }, signal });

describe('FakeFapi.stall', () => {
  it('holds a matching request unanswered until released, then answers it by the usual rules', async () => {
    fapi = await FakeFapi.start();
    const { clientJwt, session } = await fapi.signIn('user_1');
    const release = fapi.stall((r) => r.method === 'GET' && r.path === '/v1/client');
    let settled = false;
    const pending = getClient(fapi, clientJwt).finally(() => (settled = true));
    await until(() => fapi!.held === 1, 'the request is held');
    const env = await fetch(`${fapi.proxyUrl}/v1/environment`);
    expect(env.status).toBe(200); // other routes are answered meanwhile
    expect(settled).toBe(false);
    expect(fapi.requests.find((r) => r.path === '/v1/client')?.route).toBe('stalled');
    release();
    const res = await pending;
    const body = (await res.json()) as { response: { sessions: Array<{ id: string }> } };
    expect([res.status, res.headers.get('authorization'), body.response.sessions.map((s) => s.id)]).toEqual([200, clientJwt, [session.id]]);
    expect(fapi.held).toBe(0);
    expect(fapi.requests.find((r) => r.path === '/v1/client')?.route).toBe('client.get');
    release(); // twice is harmless
  });

  it('a request its client aborts is recorded as abandoned and never answered, even after release', async () => {
    fapi = await FakeFapi.start();
    const { clientJwt } = await fapi.signIn('user_1');
    const release = fapi.stall((r) => r.path === '/v1/client');
    const ctl = new AbortController();
    const pending = getClient(fapi, clientJwt, ctl.signal);
    await until(() => fapi!.held === 1, 'the request is held');
    ctl.abort();
    await expect(pending).rejects.toThrow();
    await until(() => fapi!.held === 0, 'the server noticed the abort');
    release();
    expect(fapi.requests.filter((r) => r.path === '/v1/client').map((r) => [r.route, r.status])).toEqual([['stalled:abandoned', 0]]);
    // After release, the same route is answered again.
    expect((await getClient(fapi, clientJwt)).status).toBe(200);
  });

  it('close() ends held requests without answering them', async () => {
    fapi = await FakeFapi.start();
    fapi.stall(() => true);
    const pending = fetch(`${fapi.proxyUrl}/v1/environment`);
    await until(() => fapi!.held === 1, 'the request is held');
    const f = fapi;
    fapi = undefined;
    await f.close();
    await expect(pending).rejects.toThrow();
    expect(f.requests.map((r) => r.route)).toEqual(['stalled:abandoned']);
  });
});
