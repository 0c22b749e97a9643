import { afterEach, describe, expect, it } from 'vitest';
import { FakeFapi } from '../harness/fapi/server.ts';
import { VirtualClock } from '../harness/virtual-clock.ts';
import { coldStart, type ColdStart, type ColdStartOptions } from './cold-start-host.ts';

/**
 * Fix J on real published code, virtual time: a cold start of a signed-in device whose first
 * load request never answers (a connection hung after a network change), whose network is off at
 * launch, or whose server is slow. One FakeFapi and one clock per scenario; no timer of the patch is
 * left two minutes after load() ended (asserted; a request a round left unanswered keeps its bound).
 *
 * Pairs: @clerk/expo 4.6.6 with clerk-js 6.40.0 (what `^6.31.1` resolves today), 3.4.3 with
 * 6.17.0 (its lower bound, a lockfile pin), and 3.0.1 with 6.0.0 (clerk-js < 6.3.2 believes React
 * Native is offline and resolves load() with an empty client when a request fails).
 */
const PAIRS: Array<[expo: string, clerkJs: string]> = [
  ['4.6.6', '6.40.0'],
  ['3.4.3', '6.17.0'],
  ['3.0.1', '6.0.0'],
];

let fapi: FakeFapi | undefined;
const apps: ColdStart[] = [];
afterEach(async () => {
  apps.splice(0);
  await fapi?.close();
  fapi = undefined;
});

async function signedInDevice() {
  const clock = new VirtualClock();
  fapi = await FakeFapi.start({ now: () => clock.now(), tokenTtlSeconds: 3600 });
  const signedIn = await fapi.signIn('user_1');
  return { clock, fapi, ...signedIn };
}

async function launch(o: Omit<ColdStartOptions, 'fapi' | 'clock'>, d: Awaited<ReturnType<typeof signedInDevice>>) {
  const app = await coldStart({ ...o, fapi: d.fapi, clock: d.clock, clientJwt: d.clientJwt });
  apps.push(app);
  return app;
}

/** The patch leaves no timer behind once load() ended: what is pending is clerk-js's own session refresh (about the 1 h token TTL). */
const expectNoPatchTimers = (clock: VirtualClock) => expect(clock.pending().filter((t) => t.delay < 3_000_000)).toEqual([]);

const isClientGet = (r: { method: string; path: string }) => r.method === 'GET' && r.path === '/v1/client';

/** Where a cold start ended: never loaded, loaded signed out, or loaded signed in; plus what the server and cache hold. */
async function ending(app: ColdStart, d: Awaited<ReturnType<typeof signedInDevice>>) {
  const o = app.outcome();
  return {
    end: !o.settled ? 'never loaded' : !o.ok ? 'load failed' : app.isSignedIn() ? 'signed in' : 'signed out',
    sessionId: app.isSignedIn() ? (app.clerk.session?.id ?? null) : null,
    storedJwt: await app.storedJwt(),
    clients: d.fapi.clients.size,
    newClients: d.fapi.requests.filter((r) => r.route === 'client.create' || r.authorization === '').length,
    expected: { sessionId: d.session.id, jwt: d.clientJwt },
  };
}

const expectRestored = (e: Awaited<ReturnType<typeof ending>>) =>
  expect({ end: e.end, sessionId: e.sessionId, storedJwt: e.storedJwt, clients: e.clients, newClients: e.newClients }).toEqual({
    end: 'signed in',
    sessionId: e.expected.sessionId,
    storedJwt: e.expected.jwt,
    clients: 1,
    newClients: 0,
  });

describe('Fix J: the first GET /v1/client never answers until the network returns (60 s later)', () => {
  for (const [expo, clerkJs] of PAIRS) {
    it(`@clerk/expo ${expo} × clerk-js ${clerkJs}: pristine never loads; patched loads signed in with the stored client`, async () => {
      for (const variant of ['pristine', 'patched'] as const) {
        const d = await signedInDevice();
        const release = d.fapi.stall(isClientGet);
        const app = await launch({ expoVersion: expo, clerkJsVersion: clerkJs, variant }, d);
        await app.runtime.advance(60_000); // awake, in the foreground, for a minute
        const heldAt60s = d.fapi.held;
        release(); // the network is back: a held request (if still waited for) is answered now
        await app.runtime.advance(120_000);
        const e = await ending(app, d);
        if (variant === 'pristine') {
          // The request clerk-js sent at launch was abandoned by nobody: it is answered on release
          // only because the fake keeps the socket open; a real hung socket never answers. What
          // matters is that nothing bounded it: for 60 s load() was pending on one request.
          expect(heldAt60s).toBe(1);
          expect(d.fapi.requests.filter(isClientGet).length).toBe(1);
        } else {
          expectRestored(e);
          // Bounded: the first attempt was abandoned after 15 s and retried; every attempt carried the stored JWT.
          const gets = d.fapi.requests.filter(isClientGet);
          expect(gets[0]!.route).toBe('stalled:abandoned');
          expect(gets.length).toBeGreaterThan(1);
          expect(new Set(gets.map((r) => r.authorization))).toEqual(new Set([d.clientJwt]));
          expectNoPatchTimers(d.clock);
        }
        await d.fapi.close();
        fapi = undefined;
      }
    });
  }

  it('4.6.6 × 6.40.0 pristine: while the socket stays hung, load() never ends and nothing is left to wake it', async () => {
    const d = await signedInDevice();
    d.fapi.stall(isClientGet);
    const app = await launch({ expoVersion: '4.6.6', clerkJsVersion: '6.40.0', variant: 'pristine' }, d);
    await app.runtime.advance(3_600_000); // an hour on the splash screen
    expect((await ending(app, d)).end).toBe('never loaded');
    expect(d.fapi.held).toBe(1);
    expect(d.fapi.requests.filter(isClientGet).length).toBe(1);
  });
});

describe('Fix J: offline at launch, online 45 s later', () => {
  for (const [expo, clerkJs] of PAIRS) {
    it(`@clerk/expo ${expo} × clerk-js ${clerkJs}: pristine ${clerkJs === '6.0.0' ? 'loads signed out' : 'fails to load (status error)'}; patched loads signed in`, async () => {
      for (const variant of ['pristine', 'patched'] as const) {
        const d = await signedInDevice();
        d.fapi.offline = true;
        const app = await launch({ expoVersion: expo, clerkJsVersion: clerkJs, variant }, d);
        await app.runtime.advance(45_000);
        d.fapi.offline = false;
        await app.runtime.advance(120_000);
        const e = await ending(app, d);
        if (variant === 'pristine') {
          expect(e.end).toBe(clerkJs === '6.0.0' ? 'signed out' : 'load failed');
          expect(e.storedJwt).toBe(d.clientJwt); // the JWT is kept; the app just never asks again
        } else {
          expectRestored(e);
          expectNoPatchTimers(d.clock);
        }
        await d.fapi.close();
        fapi = undefined;
      }
    });
  }
});

describe('Fix J does not turn a slow server into a sign-out', () => {
  for (const [expo, clerkJs] of PAIRS) {
    it(`@clerk/expo ${expo} × clerk-js ${clerkJs}: a server that answers only after 20 s gives a signed-in user, pristine and patched`, async () => {
      for (const variant of ['pristine', 'patched'] as const) {
        const d = await signedInDevice();
        // Every GET /v1/client waits 20 s from its arrival: released by a virtual timer per request.
        let release = d.fapi.stall(isClientGet);
        const app = await launch({ expoVersion: expo, clerkJsVersion: clerkJs, variant }, d);
        const answerAfter20s = async () => {
          for (let t = 0; t < 180_000 && !app.outcome().settled; t += 1_000) {
            await app.runtime.advance(1_000);
            const waiting = d.fapi.requests.filter((r) => isClientGet(r) && r.route === 'stalled');
            if (waiting.some((r) => d.clock.now() - r.at >= 20_000)) {
              release();
              await app.runtime.advance(0);
              release = d.fapi.stall(isClientGet);
            }
          }
          release();
        };
        await answerAfter20s();
        await app.runtime.advance(1_000);
        expectRestored(await ending(app, d));
        await d.fapi.close();
        fapi = undefined;
      }
    });
  }
});

describe('Fix J retries only in the foreground', () => {
  it('4.6.6 × 6.40.0 launched in the background (offline): no retry until the app comes to the foreground, then loads signed in', async () => {
    const d = await signedInDevice();
    d.fapi.offline = true;
    const app = await launch({ expoVersion: '4.6.6', clerkJsVersion: '6.40.0', variant: 'patched', appState: 'background' }, d);
    await app.runtime.advance(60_000);
    const sentInBackground = d.fapi.requests.filter(isClientGet).length;
    d.fapi.offline = false;
    await app.runtime.advance(600_000); // ten more minutes in the background, network back
    expect(d.fapi.requests.filter(isClientGet).length).toBe(sentInBackground);
    expect(app.outcome().settled).toBe(false);
    expect(app.appState.listenerCount).toBe(1);
    app.appState.set('active');
    await app.runtime.advance(10_000);
    expectRestored(await ending(app, d));
    expect(app.appState.listenerCount).toBe(0);
  });
});
