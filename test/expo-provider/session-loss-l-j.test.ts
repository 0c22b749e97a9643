import { beforeAll, describe, expect, it } from 'vitest';
import { buildPatch } from '../../scripts/codemod/run-fixes.ts';
import { fixesFor } from '../../scripts/fixes/index.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { expoDist } from '../harness/expo/expo-dist.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import { deviceOptions } from '../matrix/device-config.ts';
import { loadMatrixScenario } from '../matrix/scenarios.ts';
import { verdict } from '../matrix/verdict.ts';

/**
 * Fixes J and L on the real @clerk/expo ClerkProvider with the shipped patch (patch-package's
 * applier) and the clerk-js it resolves, on the simulated device; scenarios from fixtures/matrix/.
 * With HARNESS_REVERT_PATCH=1 "patched" loads the published files and every test here fails.
 *
 * - L: the native SDK holds a stale, session-less client of its own; the first load of the launch
 *   fails (offline) or is slow. The native→JS sync waits for JS Clerk's own client, so the stale
 *   client is rejected and the JS client JWT stays. 3.7.8 (Fix G's helper), 4.6.6 (upstream's
 *   guard): the two sync shapes the device-token bridge ships.
 * - J: a request made during a load round that is still unanswered when the round ends keeps its
 *   bound. On 3.2.7 the native bootstrap's client reload races the first load (its waitForLoad
 *   resolves at once: no addOnLoaded on the clerk-js instance); the reload's GET /v1/client hangs.
 */
/** Offline at launch on Fix G's helper shape (3.5.2–4.0.2). */
const L_VERSIONS = ['3.7.8'];
/** The slow server on each shape the check of the native client has: 3.4.x's provider and 3.5.2–4.0.2 (Fix G's helper), 4.0.3+ (upstream's). */
const SLOW_SERVER_VERSIONS = ['3.4.3', '3.7.8', '4.6.6'];

beforeAll(async () => {
  for (const v of [...L_VERSIONS, ...SLOW_SERVER_VERSIONS, '3.2.7']) await dependencySet(v);
}, 1_800_000);

async function run(version: string, scenarioName: string, patchText?: string) {
  const dist = await expoDist(version, 'patched', patchText);
  const scenario = loadMatrixScenario(scenarioName);
  return DeviceWorld.with(async (world) => {
    const o = await runLoadedScenario(world, scenario, dist, deviceOptions(version, dist.variant));
    const clientGets = world.fapi.requests.filter((r) => r.method === 'GET' && r.path === '/v1/client');
    return {
      o,
      result: verdict(scenario, o),
      /** The client JWT the device held when the app started (the token cache's first answer). */
      startJwt: o.device.store.calls.find((c) => c.op === 'get' && typeof c.outcome === 'string')?.outcome,
      clientGets: clientGets.map((r) => ({ route: r.route, status: r.status, authorization: r.authorization })),
      held: world.fapi.held,
    };
  });
}

describe('Fix J: a hung request made during a load round is aborted at its bound after the round ended (patched)', () => {
  it('3.2.7 Android, keystore failing three reads, the first GET /v1/client hung: the app settles signed in and no request stays hung', async () => {
    const { o, result, clientGets, held } = await run('3.2.7', 'android-keystore-hiccup-hung-request-native');
    expect(o.neverLoaded).toBe(false);
    expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
    // The hung read was given up by the app (its socket closed), not left open forever.
    expect(clientGets.filter((r) => r.route === 'stalled:abandoned')).toHaveLength(1);
    expect(held).toBe(0);
    expect(result).toBe('kept');
  });
});

describe('Fix L: a stale native client is not adopted while the first load has not answered (patched)', () => {
  for (const version of L_VERSIONS) {
    it(`${version}: offline at launch, online 45 s later: signed in with the session and client JWT it started with`, async () => {
      const { o, result, startJwt, clientGets } = await run(version, 'g-stale-native-client-offline-at-launch');
      expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
      expect(o.serverSession?.status).toBe('active');
      expect(typeof startJwt).toBe('string');
      expect(o.storedClientJwt).toBe(startJwt);
      // Every read of the client before the JS client was known carried the JS client JWT.
      const firstAnswered = clientGets.findIndex((r) => r.status === 200);
      expect(firstAnswered).toBeGreaterThanOrEqual(0);
      expect(clientGets.slice(0, firstAnswered + 1).every((r) => r.authorization === startJwt)).toBe(true);
      expect(result).toBe('kept');
    });
  }

  // Every client read answered after 20 s (Fix J bounds the first at 15 s and retries the load; the aborted round
  // ends in status `error`). Once JS has its client, the check reads the native client: that read is still waiting
  // when the steps end, and the secure store must hold the user's client JWT then, not the native one.
  for (const version of SLOW_SERVER_VERSIONS) {
    it(`${version}: every client read answered after 20 s: signed in, and the secure store keeps the user's client JWT while the check of the native client waits`, async () => {
      const { o, result, clientGets } = await run(version, 'g-stale-native-client-slow-server');
      expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
      expect(o.serverSession?.status).toBe('active');
      expect(o.storedClientJwt).toBe(o.userClientJwt);
      // The check did read the native client: one GET /v1/client carried the native token (not the JS client JWT).
      expect(clientGets.some((r) => r.authorization === o.nativeDeviceToken)).toBe(true);
      // `kept`: the cold relaunch (network working) came up signed in with the same session.
      expect(o.relaunched?.auth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
      expect(result).toBe('kept');
    });
  }

  it('4.6.6 slow server: the same patch without L signs JS out', async () => {
    // Without L the bootstrap's sync runs on that `error`, with no JS client to compare: the native client is adopted.
    const pkg = await fetchPackage('@clerk/expo', '4.6.6');
    const withoutL = buildPatch(
      pkg,
      fixesFor('@clerk/expo').filter((f) => f.id !== 'native-sync-waits-for-js-client'),
    )!.patch;
    const other = await run('4.6.6', 'g-stale-native-client-slow-server', withoutL);
    expect(other.o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
    expect(other.result).toBe('lost');
  });
});
