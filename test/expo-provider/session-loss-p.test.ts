import { beforeAll, describe, expect, it } from 'vitest';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import type { NativeScenario } from '../harness/expo/scenario.ts';

/**
 * Fix P on the real @clerk/expo ClerkProvider (published dist, pristine and with the shipped patch
 * applied by patch-package) with the real clerk-js it resolves, JS-only: an API client module
 * calls getClerkInstance({ publishableKey }) before <ClerkProvider publishableKey proxyUrl
 * tokenCache> mounts (the matrix scenario `proxy-only-on-provider`). Pristine clears the stored
 * client JWT when the provider's call adds the proxy and starts signed out; patched keeps it.
 */
const VERSION = '4.6.6';
const scenario: NativeScenario = {
  name: 'proxy-only-on-provider',
  description: 'JS-only cold start, signed in; getClerkInstance({ publishableKey }) before <ClerkProvider proxyUrl>',
  platform: 'ios',
  signedIn: true,
  native: null,
  js: { tokenCache: 'device-client', getClerkInstanceBeforeProvider: 'publishable-key-only' },
};

beforeAll(() => dependencySet(VERSION), 1_800_000);

async function run(variant: Variant) {
  const dist = await expoDist(VERSION, variant);
  return DeviceWorld.with(async (world) => {
    const o = await runLoadedScenario(world, scenario, dist, { bridge: bridgeFor(VERSION) });
    const client = [...world.fapi.clients.values()].find((c) => c.sessionIds.includes(o.device.initialSessionId!))!;
    return { o, clientJwt: client.jwt, deletes: o.device.store.calls.filter((c) => c.op === 'delete').length };
  });
}

describe(`Fix P: proxy on the provider only (real ClerkProvider and clerk-js ${VERSION}, JS-only)`, () => {
  it('pristine: the client JWT is deleted before the first request; the cold start is signed out', async () => {
    const { o, deletes } = await run('pristine');
    expect(deletes).toBe(1);
    expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: false });
    expect(o.serverSession?.status).toBe('active');
  });

  it('patched: the stored client JWT is sent through the proxy; the user is still signed in', async () => {
    const { o, clientJwt, deletes } = await run('patched');
    expect(deletes).toBe(0);
    expect(o.finalAuth).toMatchObject({ isLoaded: true, isSignedIn: true, sessionId: o.device.initialSessionId });
    expect(o.storedClientJwt).toBe(clientJwt);
  });
});
