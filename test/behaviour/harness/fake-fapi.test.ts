import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeFapi } from '../../harness/fapi/server.ts';
import { jwks, SESSION_TOKEN_TTL_SECONDS } from '../../harness/fapi/jwt.ts';
import { HeadlessRuntime, hostRouter } from '../../harness/headless-runtime.ts';
import { VirtualClock } from '../../harness/virtual-clock.ts';

let fapi: FakeFapi | undefined;
afterEach(async () => {
  await fapi?.close();
  fapi = undefined;
});

const call = (f: FakeFapi, method: string, path: string, auth: string) =>
  fetch(`${f.proxyUrl}${path}`, { method, headers: { authorization: auth } }).then(async (r) => ({
    status: r.status,
    auth: r.headers.get('authorization'),
    json: (await r.json()) as Record<string, any>,
  }));

describe('FakeFapi rules', () => {
  it('mints RS256 session tokens (sid, sub, iat, nbf, exp = iat + 60) on the shared virtual clock', async () => {
    const clock = new VirtualClock();
    fapi = await FakeFapi.start({ now: () => clock.now() });
    const { session, clientJwt } = await fapi.signIn('user_a');
    clock.starve(7_000);
    const r = await call(fapi, 'POST', `/v1/client/sessions/${session.id}/tokens`, clientJwt);
    expect(r.status).toBe(200);
    expect(r.auth).toBe(clientJwt);
    const { payload, protectedHeader } = await jwtVerify(r.json.jwt as string, createLocalJWKSet((await jwks()) as never), {
      currentDate: new Date(clock.now()),
    });
    expect(protectedHeader.alg).toBe('RS256');
    const iat = Math.floor(clock.now() / 1000);
    expect(payload).toMatchObject({ sid: session.id, sub: 'user_a', iat, exp: iat + SESSION_TOKEN_TTL_SECONDS });
    expect(payload.nbf).toBeLessThanOrEqual(iat);
  });

  it('a rotated-away client JWT gets 401 authentication_invalid; GET /v1/client answers "no client" (null-client reading); the new JWT works', async () => {
    fapi = await FakeFapi.start({ staleClientJwt: 'null-client' });
    const { client, session, clientJwt } = await fapi.signIn();
    const next = await fapi.rotateClientJwt(client.id);
    const stale = await call(fapi, 'POST', `/v1/client/sessions/${session.id}/tokens`, clientJwt);
    expect([stale.status, stale.json.errors[0].code]).toEqual([401, 'authentication_invalid']);
    const none = await call(fapi, 'GET', '/v1/client', clientJwt);
    expect([none.status, none.json.response, none.auth]).toEqual([200, null, null]);
    const ok = await call(fapi, 'GET', '/v1/client', next);
    expect(ok.json.response.sessions.map((s: { id: string }) => s.id)).toEqual([session.id]);
    expect(ok.json.response.last_active_session_id).toBe(session.id);
  });

  it('a revoked session leaves the client and its token endpoint answers 401', async () => {
    fapi = await FakeFapi.start();
    const { session, clientJwt } = await fapi.signIn();
    fapi.revokeSession(session.id);
    expect((await call(fapi, 'POST', `/v1/client/sessions/${session.id}/tokens`, clientJwt)).status).toBe(401);
    const c = await call(fapi, 'GET', '/v1/client', clientJwt);
    expect([c.json.response.sessions, c.json.response.last_active_session_id]).toEqual([[], null]);
  });

  it('offline: connections drop (fetch rejects) and are recorded; unknown routes are 404 and listed', async () => {
    fapi = await FakeFapi.start();
    const { clientJwt } = await fapi.signIn();
    expect((await call(fapi, 'GET', '/v1/nope', clientJwt)).status).toBe(404);
    expect(fapi.unknownRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/nope']);
    fapi.offline = true;
    await expect(call(fapi, 'GET', '/v1/client', clientJwt)).rejects.toThrow();
    expect(fapi.requests.at(-1)?.route).toBe('offline');
  });
});

describe('HeadlessRuntime', () => {
  it('routes the publishable key host to the fake, blocks other hosts, and refuses to starve mid-request', async () => {
    fapi = await FakeFapi.start();
    const rt = new HeadlessRuntime({ route: hostRouter({ [fapi.frontendApiHost]: fapi.origin }) });
    const scopedFetch = rt.scope.fetch as typeof fetch;
    const pending = scopedFetch(`https://${fapi.frontendApiHost}/v1/environment`);
    expect(rt.inflight).toBe(1);
    await expect(rt.starve(1000)).rejects.toThrow(/in flight/);
    expect((await pending).status).toBe(200);
    await rt.settle();
    await expect(scopedFetch('https://api.clerk.com/v1/x')).rejects.toThrow(TypeError);
    expect(rt.blockedRequests.map((r) => r.url)).toEqual(['https://api.clerk.com/v1/x']);
    expect(fapi.requests.map((r) => r.path)).toEqual(['/v1/environment']);
  });

  it('evaluates a bundle with React Native-like globals shadowed, nothing global changed', () => {
    const rt = new HeadlessRuntime({ route: () => undefined });
    const exports = rt.evaluate({
      filename: 'probe.js',
      text: `module.exports = { bc: typeof BroadcastChannel, doc: typeof document, win: window === globalThis, nav: navigator.product, onLine: navigator.onLine, now: Date.now(), viaGlobal: typeof globalThis.setTimeout(() => {}, 5) };`,
    });
    expect(exports).toEqual({
      bc: 'undefined',
      doc: 'undefined',
      win: true,
      nav: 'ReactNative',
      onLine: undefined,
      now: rt.clock.now(),
      viaGlobal: 'number',
    });
    expect(rt.clock.pending()).toHaveLength(1);
    expect('window' in globalThis).toBe(false); // nothing global was changed
  });
});
