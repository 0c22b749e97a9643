import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeFapi } from '../harness/fapi/server.ts';
import { startDeviceFapi } from '../harness/expo/backend.ts';
import { createDevice, launch } from '../harness/expo/device.ts';
import { expoDist } from '../harness/expo/expo-dist.ts';
import { loopbackOnly, type LoopbackGuard } from '../harness/expo/loopback-only.ts';
import type { NativeScenario } from '../harness/expo/scenario.ts';

/**
 * REAL-TIME DEMONSTRATION, OFF BY DEFAULT (`FIX_J_REALTIME_DEMO=1` runs it). The device harness
 * (real ClerkProvider, @clerk/react and clerk-js 6.40.0 as 4.6.6 resolves them) still runs
 * clerk-js on the real clock, so a hang can only be shown by letting real time pass: here a few
 * hundred event-loop turns (well under a second) after the stalled request reached the server.
 * It shows the pristine app never re-sends the request and stays `isLoaded: false`; the patched
 * app would need the 15 s bound to pass in real time, so its behaviour is shown on virtual time
 * instead (test/behaviour/load-retries-unanswered-requests.test.ts). Not a timing test: nothing
 * asserted depends on how long the turns take.
 */
const DEMO = process.env.FIX_J_REALTIME_DEMO === '1';
const VERSION = '4.6.6';

const androidJsOnlyColdStart: NativeScenario = {
  name: 'j-cold-start-hang',
  description: 'Android, JS-only cold start, signed in; the first GET /v1/client never answers',
  platform: 'android',
  signedIn: true,
  native: null,
  js: { tokenCache: 'device-client' },
};

let fapi: FakeFapi;
let guard: LoopbackGuard;
beforeAll(async () => {
  if (!DEMO) return;
  guard = loopbackOnly();
  fapi = await startDeviceFapi();
});
afterAll(async () => {
  guard?.restore();
  await fapi?.close();
});

describe.skipIf(!DEMO)(`@clerk/expo ${VERSION} pristine on the device harness (real time): a hung first client request`, () => {
  it('the app stays isLoaded: false with one request pending and never asks again', async () => {
    const release = fapi.stall((r) => r.method === 'GET' && r.path === '/v1/client');
    const device = await createDevice(androidJsOnlyColdStart, fapi);
    const from = fapi.requests.length;
    const app = await launch(device, await expoDist(VERSION, 'pristine'));
    try {
      await app.until(() => fapi.held === 1, 'the first GET /v1/client to reach the server');
      for (let i = 0; i < 300; i++) await new Promise<void>((r) => setImmediate(r));
      const clientGets = fapi.requests.slice(from).filter((r) => r.method === 'GET' && r.path === '/v1/client');
      expect({ isLoaded: app.auth.isLoaded, held: fapi.held, clientGets: clientGets.length }).toEqual({
        isLoaded: false,
        held: 1,
        clientGets: 1,
      });
    } finally {
      release();
      await app.unmount();
    }
  });
});
