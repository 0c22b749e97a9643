import { afterEach, describe, expect, it } from 'vitest';
import { FakeFapi } from './server.ts';

/** FakeFapi.endSession() and `endedBy`: sign-outs by a party sharing the client (the Expo native SDK). */
let fapi: FakeFapi | undefined;
afterEach(async () => {
  await fapi?.close();
  fapi = undefined;
});

const call = (f: FakeFapi, method: string, path: string, auth: string) =>
  fetch(`${f.proxyUrl}${path}`, { method, headers: { authorization: auth } }).then(async (r) => ({
    status: r.status,
    json: (await r.json()) as Record<string, any>,
  }));

describe('FakeFapi.endSession', () => {
  it('ends an active session: status ended, endedBy recorded, gone from the client, its token route 401', async () => {
    fapi = await FakeFapi.start();
    const { session, clientJwt } = await fapi.signIn();
    expect(fapi.endSession(session.id, 'native')).toBe(true);
    expect(fapi.sessions.get(session.id)).toMatchObject({ status: 'ended', endedBy: 'native' });
    expect((await call(fapi, 'POST', `/v1/client/sessions/${session.id}/tokens`, clientJwt)).status).toBe(401);
    const c = await call(fapi, 'GET', '/v1/client', clientJwt);
    expect([c.status, c.json.response.sessions, c.json.response.last_active_session_id]).toEqual([200, [], null]);
  });

  it('only an active session changes: a later HTTP sign-out or endSession keeps the first status and endedBy', async () => {
    fapi = await FakeFapi.start();
    const { session, clientJwt } = await fapi.signIn();
    fapi.endSession(session.id, 'native');
    expect((await call(fapi, 'DELETE', '/v1/client/sessions', clientJwt)).status).toBe(200);
    expect(fapi.endSession(session.id, 'other')).toBe(false);
    expect(fapi.sessions.get(session.id)).toMatchObject({ status: 'ended', endedBy: 'native' });

    const revoked = await fapi.signIn();
    fapi.revokeSession(revoked.session.id);
    expect(fapi.endSession(revoked.session.id, 'native')).toBe(false);
    await call(fapi, 'DELETE', '/v1/client/sessions', revoked.clientJwt);
    expect(fapi.sessions.get(revoked.session.id)?.status).toBe('revoked');
    expect(fapi.sessions.get(revoked.session.id)?.endedBy).toBeUndefined();
  });

  it('HTTP sign-outs record the route that ended the session', async () => {
    fapi = await FakeFapi.start();
    const a = await fapi.signIn();
    const b = await fapi.signIn();
    await call(fapi, 'DELETE', '/v1/client/sessions', a.clientJwt);
    await call(fapi, 'POST', `/v1/client/sessions/${b.session.id}/remove`, b.clientJwt);
    expect(fapi.sessions.get(a.session.id)).toMatchObject({ status: 'ended', endedBy: 'client.sessions.delete' });
    expect(fapi.sessions.get(b.session.id)).toMatchObject({ status: 'removed', endedBy: 'session.remove' });
  });

  it('an unknown session id is an error, not a silent no-op', async () => {
    fapi = await FakeFapi.start();
    expect(() => fapi!.endSession('sess_nope', 'native')).toThrow(/no session sess_nope/);
  });
});
