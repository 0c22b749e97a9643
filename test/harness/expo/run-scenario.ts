import type { FapiSession } from '../fapi/server.ts';
import type { DeviceFapi } from './backend.ts';
import { expoDist, type Variant } from './expo-dist.ts';
import { createDevice, launch, type AuthSnapshot, type Device } from './device.ts';
import type { NativeCall } from './native-module.ts';
import { loadScenario } from './scenario.ts';

/**
 * Runs one scenario (fixtures/native/<name>.json) on a fresh simulated device against one
 * @clerk/expo build, and reports what happened: the facts the scenario tests assert on.
 */
export interface Outcome {
  version: string;
  variant: Variant;
  /** Native signOut() calls made while JS Clerk had not loaded yet. */
  signOutsBeforeLoad: NativeCall[];
  signOuts: NativeCall[];
  /** JS auth state when the app settled (after the sign-out, for sign-out scenarios). */
  finalAuth: AuthSnapshot;
  /** True once JS had loaded and reported signed in at some point. */
  wasSignedInInJs: boolean;
  /** The device's original session on the Frontend API at the end (a copy: status, endedBy…). */
  serverSession: FapiSession | undefined;
  nativeSessionId: string | null;
  nativeDeviceToken: string | null;
  getSessionCalls: NativeCall[];
  device: Device;
}

const isLoadedAuth = (e: Device['timeline'][number]) => e.kind === 'auth' && e.auth.isLoaded;

export async function runScenario(fapi: DeviceFapi, name: string, version: string, variant: Variant): Promise<Outcome> {
  const scenario = loadScenario(name);
  const device = await createDevice(scenario, fapi);
  const dist = await expoDist(version, variant);
  const app = await launch(device, dist);
  try {
    // Settled: JS has loaded and the native bootstrap has asked the native side for its session.
    const loadedAt = () => device.timeline.findIndex(isLoadedAuth);
    await app.until(() => app.auth.isLoaded, 'JS Clerk loading');
    await app.until(() => device.native.callsOf('getSession').length > 0, 'the native bootstrap calling getSession()');
    await app.until(() => !app.auth.isSignedIn || device.timeline.slice(loadedAt()).some((e) => e.kind === 'native' && e.call.method === 'getSession'), 'a native session check after JS loaded');
    // When the bootstrap found a native session it ends with setActive(): let that settle first.
    if (device.native.callsOf('getSession')[0]?.result) {
      await app.until(() => app.setActiveCalls.settled >= 1 && app.setActiveCalls.settled === app.setActiveCalls.started, "the native bootstrap's setActive()");
    }
    if (scenario.signOutInJs && app.auth.isSignedIn) {
      await app.act(() => app.clerk().signOut());
      await app.until(() => app.auth.isSignedIn === false, 'JS signing out');
      await app.until(() => device.native.callsOf('signOut').some((c) => device.timeline.findIndex((e) => e.kind === 'native' && e.call === c) > loadedAt()), 'native signOut() after the JS sign-out');
    }
    const wasSignedInInJs = app.history.some((h) => h.isLoaded && h.isSignedIn === true);
    const firstLoaded = loadedAt();
    const signOuts = device.native.callsOf('signOut');
    return {
      version,
      variant,
      signOutsBeforeLoad: device.timeline.slice(0, firstLoaded === -1 ? undefined : firstLoaded).flatMap((e) => (e.kind === 'native' && e.call.method === 'signOut' ? [e.call] : [])),
      signOuts,
      finalAuth: app.auth,
      wasSignedInInJs,
      serverSession: device.initialSessionId ? serverSession(fapi, device.initialSessionId) : undefined,
      nativeSessionId: device.native.sessionId,
      nativeDeviceToken: device.native.deviceToken,
      getSessionCalls: device.native.callsOf('getSession'),
      device,
    };
  } finally {
    await app.unmount();
  }
}

function serverSession(fapi: DeviceFapi, id: string): FapiSession {
  const s = fapi.sessions.get(id);
  if (!s) throw new Error(`the Frontend API has no session ${id}`);
  return { ...s, tokens: [...s.tokens] };
}
