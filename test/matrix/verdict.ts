import type { Outcome } from '../harness/expo/run-scenario.ts';
import type { NativeScenario } from '../harness/expo/scenario.ts';

/**
 * One matrix cell, as a user would put it:
 * - `kept`: still signed in (same session, active on the server), the secure store holding the
 *   JWT of the client that holds that session (the server's current one), and still signed in with
 *   it after a cold relaunch on the same device (working network, unlocked, foreground);
 * - `lost`: signed out without asking (or the session ended on the server) although nothing
 *   should have ended it;
 * - `signed out`: signed out as expected (the user signed out, or the server ended the session);
 * - `stuck`: still signed in (in JS, or on the native screens) although the user signed out or
 *   the server ended the session, and still after a cold relaunch of the app (stuck for good);
 * - `stuck until restart`: as `stuck`, but a cold relaunch (app process killed and started
 *   again) shows the user signed out;
 * - `hang`: JS Clerk never finished loading (`isLoaded` false after 10 min of virtual time in the
 *   foreground) — at launch, after a JS reload, or at the relaunch that checks `kept`: the app
 *   stays on its splash or loading screen;
 * - `never settled`: JS loaded, but something the app started (the native bootstrap, the client
 *   reload that follows it, a sign-out, a token request) never finished within 10 min of virtual
 *   time: the app waits on it;
 * - `—`: not applicable (a native scenario on a version without the native module; a JS-only
 *   scenario where the version cannot start without its native module — 3.4.2–3.7.8 on Android);
 * - `not modelled`: the harness does not model this version's native side for this scenario;
 * - `error`: the run failed (the message is in --json output).
 */
export type CellResult =
  'kept' | 'lost' | 'signed out' | 'stuck' | 'stuck until restart' | 'hang' | 'never settled' | '—' | 'not modelled' | 'error';

export function verdict(scenario: NativeScenario, o: Outcome): CellResult {
  if (o.neverLoaded) return 'hang';
  if (o.unsettled) return 'never settled';
  const initial = o.device.initialSessionId;
  const serverActive = o.serverSession?.status === 'active';
  const jsSignedIn = o.finalAuth.isLoaded && o.finalAuth.isSignedIn === true;
  if ((scenario.expect ?? 'signed-in') === 'signed-out') {
    // Lost before the user could act (e.g. a reload already signed them out) is still a loss.
    if (!o.wasSignedInInJs) return 'lost';
    // With the native module, its screens must be signed out too.
    const signedOutEverywhere = (auth: Outcome['finalAuth'], nativeSessionId: string | null) =>
      !(auth.isLoaded && auth.isSignedIn === true) &&
      (!serverActive || unreachableFromDevice(o)) &&
      (!scenario.native || nativeSessionId === null);
    if (signedOutEverywhere(o.finalAuth, o.nativeSessionId)) return 'signed out';
    const r = o.afterRestart;
    if (r?.neverLoaded) return 'hang';
    if (r?.unsettled) return 'never settled';
    return r && signedOutEverywhere(r.auth, r.nativeSessionId) ? 'stuck until restart' : 'stuck';
  }
  const kept =
    jsSignedIn &&
    o.finalAuth.sessionId === initial &&
    serverActive &&
    // The stored JWT is the user's client (the one holding the session), not merely some client.
    o.storedClientJwt !== null &&
    o.storedClientJwt === o.userClientJwt &&
    (!scenario.nativeMustAgree || nativeAgrees(o));
  if (!kept) return 'lost';
  // The session survives the next launch.
  const r = o.relaunched;
  if (r?.neverLoaded) return 'hang';
  if (r?.unsettled) return 'never settled';
  return r && r.auth.isLoaded && r.auth.isSignedIn === true && r.auth.sessionId === initial ? 'kept' : 'lost';
}

/**
 * No credential left on the device reaches the session: neither the stored client JWT (after the
 * cold relaunch, when there was one) nor the native device token is its client's. A sign-out the
 * server could not be told of (offline) leaves the session active there until it expires, but
 * nothing on the device can bring it back.
 */
function unreachableFromDevice(o: Outcome): boolean {
  const id = o.device.initialSessionId;
  const client = id ? [...o.device.fapi.clients.values()].find((c) => c.sessionIds.includes(id)) : undefined;
  if (!client) return true;
  return o.storedClientJwt !== client.jwt && o.nativeDeviceToken !== client.jwt;
}

/** The native side holds the session too (native screens show the user signed in). */
function nativeAgrees(o: Outcome): boolean {
  const initial = o.device.initialSessionId;
  if (o.device.native.bridge === 'session') return o.getSessionCalls.some((c) => c.result === initial);
  return o.nativeSessionId === initial;
}
