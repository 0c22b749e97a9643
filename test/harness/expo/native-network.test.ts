import { afterEach, expect, it } from 'vitest';
import { FakeFapi } from '../fapi/server.ts';
import { VirtualClock } from '../virtual-clock.ts';
import { NATIVE_REQUEST_TIMEOUT_MS, SimulatedClerkExpo } from './native-module.ts';
import type { NativeScenario } from './scenario.ts';

/**
 * The simulated native module meets the device's network: its own server calls (signOut() ending
 * the session, the client refresh) fail while offline and wait while a stall rule holds them, up
 * to NATIVE_REQUEST_TIMEOUT_MS of virtual time, instead of reaching the server.
 */
const servers: FakeFapi[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function device(platform: 'ios' | 'android') {
  const clock = new VirtualClock();
  const fapi = await FakeFapi.start({ now: () => clock.now() });
  servers.push(fapi);
  const { session, clientJwt } = await fapi.signIn('user_native_network');
  const scenario = {
    name: 'native-network',
    description: '',
    platform,
    native: { configured: true, signedIn: true, sessionRestoredAtMs: 0 },
    js: { tokenCache: 'device-client' },
  } as NativeScenario;
  const native = new SimulatedClerkExpo(scenario, fapi, { sessionId: session.id, token: clientJwt }, 'session');
  native.network = {
    reach: (r) => fapi.reach(r),
    setTimeout: (fn, ms) => clock.globals.setTimeout(fn, ms),
    clearTimeout: (id) => clock.globals.clearTimeout(id),
  };
  return { clock, fapi, native, session };
}

/** Lets promise chains run (FakeFapi.reach answers in microtasks). */
const turns = async () => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

it('signOut() online ends the session on the server', async () => {
  const { fapi, native, session } = await device('ios');
  await native.signOut();
  expect(fapi.sessions.get(session.id)).toMatchObject({ status: 'ended', endedBy: 'native' });
  expect(native.callsOf('signOut')[0]).toMatchObject({ endedSession: session.id });
});

it('signOut() offline on iOS: the server keeps the session, the keychain is cleared, the promise rejects', async () => {
  const { fapi, native, session } = await device('ios');
  fapi.offline = true;
  await expect(native.signOut()).rejects.toMatchObject({ code: 'E_SIGN_OUT_FAILED' });
  expect(fapi.sessions.get(session.id)?.status).toBe('active');
  expect(native.callsOf('signOut')[0]).toMatchObject({ endedSession: null, serverUnreachable: true });
  expect([native.deviceToken, native.sessionId]).toEqual([null, null]);
  // The throw comes before `clerkConfigured = false` (ClerkViewFactory.signOut): still configured.
  expect(native.configured).toBe(true);
});

it('signOut() offline on Android: the server keeps the session and so does the native side', async () => {
  const { fapi, native, session } = await device('android');
  fapi.offline = true;
  await expect(native.signOut()).rejects.toMatchObject({ code: 'E_SIGN_OUT_FAILED' });
  expect(fapi.sessions.get(session.id)?.status).toBe('active');
  expect(native.sessionId).toBe(session.id);
});

it('a hung connection holds signOut() until released, or fails it after the native timeout', async () => {
  const released = await device('ios');
  const release = released.fapi.stall(() => true);
  let settled = false;
  const first = released.native.signOut().finally(() => void (settled = true));
  await turns();
  expect(settled).toBe(false);
  expect(released.fapi.sessions.get(released.session.id)?.status).toBe('active');
  release();
  await first;
  expect(released.fapi.sessions.get(released.session.id)?.status).toBe('ended');

  const timedOut = await device('ios');
  timedOut.fapi.stall(() => true);
  const second = timedOut.native.signOut();
  const outcome = second.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );
  await turns();
  const due = timedOut.clock.nextDue(Number.POSITIVE_INFINITY)!;
  expect(due.delay).toBe(NATIVE_REQUEST_TIMEOUT_MS);
  timedOut.clock.setNow(due.deadline);
  timedOut.clock.fire(due.id);
  expect(await outcome).toBe('E_SIGN_OUT_FAILED');
  expect(timedOut.fapi.sessions.get(timedOut.session.id)?.status).toBe('active');
});

it('the native client refresh learns nothing while offline: a session the server ended stays until it can ask', async () => {
  const { fapi, native, session } = await device('ios');
  fapi.endSession(session.id, 'expired');
  fapi.offline = true;
  await native.refreshClient();
  expect(native.sessionId).toBe(session.id);
  fapi.offline = false;
  await native.refreshClient();
  expect(native.sessionId).toBeNull();
});
