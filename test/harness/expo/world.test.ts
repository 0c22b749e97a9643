import { beforeAll, describe, expect, it } from 'vitest';
import { dependencySet } from './dependency-set.ts';
import { createDevice, launch } from './device.ts';
import { expoDist, type ExpoDist } from './expo-dist.ts';
import type { NativeScenario } from './scenario.ts';
import { DeviceWorld } from './world.ts';

/**
 * The world a scenario runs in owns its server, its clock and its network, and nothing of it
 * outlives `close()`: no timer of a closed world's app fires, and no request of it reaches the
 * next world's server. (A clean-clone CI run once failed because an earlier test's app sent
 * `POST …/touch` with its own client JWT to the next test's server.)
 */
const VERSION = '4.6.6';
const signedInJsOnly: NativeScenario = {
  name: 'world-signed-in',
  description: 'JS-only, signed in',
  platform: 'ios',
  signedIn: true,
  native: null,
  js: { tokenCache: 'device-client' },
};

let dist: ExpoDist;
beforeAll(async () => {
  await dependencySet(VERSION);
  dist = await expoDist(VERSION, 'pristine');
});

describe('DeviceWorld', () => {
  it('drops every timer an app left behind at close; the next world sees none of its requests', async () => {
    // Clerk's real 60 s token TTL: the loaded app keeps refresh and poller timers pending.
    const first = await DeviceWorld.open({ tokenTtlSeconds: 60 });
    const firstDevice = await createDevice(signedInJsOnly, first);
    const firstApp = await launch(firstDevice, dist);
    await firstApp.until(() => firstApp.auth.isSignedIn === true, 'the first app signed in');
    const firstJwts = new Set(first.fapi.requests.map((r) => r.authorization).filter(Boolean));
    expect(first.clock.pending().length, 'the first app has timers pending when its world closes').toBeGreaterThan(0);
    const firstRequests = first.fapi.requests.length;
    await first.close();
    expect(first.clock.pending()).toEqual([]);

    await DeviceWorld.with(async (second) => {
      const device = await createDevice(signedInJsOnly, second);
      const app = await launch(device, dist);
      await app.until(() => app.auth.isSignedIn === true, 'the second app signed in');
      await second.advance(2 * 3600_000, (fn) => fn()); // two hours awake: every timer of this world fires
      const leaked = second.fapi.requests.filter((r) => firstJwts.has(r.authorization));
      expect(leaked, "requests with the first world's client JWT on the second server").toEqual([]);
      expect(second.fapi.requests.length).toBeGreaterThan(0);
      for (const url of second.blocked) expect(new URL(url).hostname, url).toBe('clerk-telemetry.com');
    });
    expect(first.fapi.requests.length, 'the closed server got nothing after close').toBe(firstRequests);
    expect(first.afterClose).toEqual([]);
  });

  it('refuses every address but its own server, and a second world while one is open', async () => {
    await DeviceWorld.with(async (world) => {
      await expect(fetch('http://127.0.0.1:9/v1/client')).rejects.toThrow(/only this scenario's server/);
      await expect(fetch('https://clerk-telemetry.com/v1/event')).rejects.toThrow(/refused/);
      expect(world.blocked).toEqual(['http://127.0.0.1:9/v1/client', 'https://clerk-telemetry.com/v1/event']);
      await expect(DeviceWorld.open()).rejects.toThrow(/already open/);
    });
  });

  it('moves time only when told: a scenario that waits for nothing fails at once, naming what it waited for', async () => {
    await DeviceWorld.with(async (world) => {
      const device = await createDevice(signedInJsOnly, world);
      const app = await launch(device, dist);
      const start = world.clock.now();
      await expect(app.until(() => false, 'something that never happens', 60_000)).rejects.toThrow(
        /stalled: something that never happens never happened within 60 s of virtual time/,
      );
      expect(world.clock.now() - start).toBeLessThanOrEqual(60_000);
    });
  });

  it('restores the real globals at close', async () => {
    const real = { Date, setTimeout, fetch, random: Math.random };
    await DeviceWorld.with(async () => {
      expect(globalThis.setTimeout).not.toBe(real.setTimeout);
      expect(Date.now()).toBe(Date.UTC(2026, 0, 1));
    });
    expect({ Date, setTimeout, fetch, random: Math.random }).toEqual(real);
  });
});

describe('a device runtime has no BroadcastChannel', () => {
  it('hides it while a world is open and gives it back at close', async () => {
    const node = globalThis.BroadcastChannel;
    expect(typeof node).toBe('function');
    await DeviceWorld.with(async () => {
      expect(typeof globalThis.BroadcastChannel).toBe('undefined');
    });
    expect(globalThis.BroadcastChannel).toBe(node);
  });
});
