import type { Device, RunningApp } from './device.ts';
import type { ExpoDist } from './expo-dist.ts';
import { launch } from './device.ts';
import type { ExtraStep } from './scenario.ts';

/**
 * The steps of scenario.ts's `ExtraStep` (the session-lifecycle explorer's wider vocabulary,
 * usable in any scenario): the app's lifecycle (background, opening it again, a cold launch by
 * the user, a launch in the background by a push or background fetch, a device restart), time
 * passing while the app is suspended, a hung or slow network, a burst of concurrent token
 * requests, an Android keystore read failure. run-scenario.ts's `runStep` hands them here with
 * its own `settle` and `quiet`, so this file does not import it.
 *
 * Launches here never throw because JS Clerk did not load: a launch that does not finish loading
 * within 10 min of virtual time is left as it is (`app.auth.isLoaded` false) for the caller to
 * judge.
 */
export interface StepHelpers {
  settle(app: RunningApp, device: Device, version: string): Promise<void>;
  quiet(app: RunningApp, device: Device): Promise<void>;
}

/** How long a suspended app's clock jumps for each `suspend-*` step (virtual ms). */
export const SUSPEND_MS = { 'suspend-10m': 10 * 60_000, 'suspend-2h': 2 * 3600_000, 'suspend-3d': 3 * 86_400_000 } as const;

/** The delay of a slow server (`network-slow`): each request is answered this long after it arrived (virtual). */
export const SLOW_ANSWER_MS = 20_000;
/** Concurrent getToken() calls of a `token-burst`. */
export const BURST = 5;

/** The network conditions a device's steps put in force (released by `network-ok`). */
const networks = new WeakMap<Device, { release: () => void }>();

export async function runExtraStep(step: ExtraStep, app: RunningApp, device: Device, dist: ExpoDist, h: StepHelpers): Promise<RunningApp> {
  const { world, fapi } = device;
  switch (step) {
    case 'background':
      device.appState.set('background');
      await h.quiet(app, device);
      return app;
    case 'open-app':
      device.appState.set('active');
      await tokenRequests(app, 1);
      return app;
    case 'token-burst':
      await tokenRequests(app, BURST);
      return app;
    case 'suspend-10m':
    case 'suspend-2h':
    case 'suspend-3d':
      // A suspended app runs nothing: its timers are due but fire only once it runs again (late).
      world.clock.setNow(world.clock.now() + SUSPEND_MS[step]);
      device.native.advance(SUSPEND_MS[step]);
      return app;
    case 'cold-launch':
      return coldLaunch(app, device, dist, h, 'active');
    case 'background-launch':
      return coldLaunch(app, device, dist, h, 'background');
    case 'reboot-background-launch':
      // iOS: an AFTER_FIRST_UNLOCK keychain item is unreadable from a restart until the first unlock.
      if (device.scenario.platform === 'ios') device.store.locked = true;
      return coldLaunch(app, device, dist, h, 'background');
    case 'network-hang': {
      networks.get(device)?.release();
      networks.set(device, { release: fapi.stall(() => true) });
      return app;
    }
    case 'network-slow': {
      networks.get(device)?.release();
      let current = () => {};
      let stopped = false;
      const holdNext = () => {
        let armed = false;
        const release = fapi.stall(() => {
          if (!armed) {
            armed = true;
            world.clock.globals.setTimeout(() => {
              release();
              if (!stopped) holdNext();
            }, SLOW_ANSWER_MS);
          }
          return true;
        });
        current = release;
      };
      holdNext();
      networks.set(device, {
        release: () => {
          stopped = true;
          current();
        },
      });
      return app;
    }
    case 'network-ok':
      networks.get(device)?.release();
      networks.delete(device);
      fapi.offline = false;
      return app;
    case 'keystore-read-fails':
      device.store.failNextReads(1);
      return app;
    case 'sign-out-attempt':
      if (!app.auth.isSignedIn) return app;
      await app.act(async () => {
        try {
          await app.clerk().signOut();
        } catch {
          // The app shows "try again"; what the user sees next is the provider's state.
        }
      });
      await h.quiet(app, device);
      return app;
  }
}

/** `n` concurrent foreground token requests (cache skipped), as authenticated requests after a foreground make; errors are the app's to handle. Gives up waiting after 2 min of virtual time (a hung connection). */
async function tokenRequests(app: RunningApp, n: number): Promise<void> {
  let done = 0;
  const one = async () => {
    try {
      await app.clerk().session?.getToken({ skipCache: true });
    } catch {
      // A failed request is not a sign-out.
    } finally {
      done++;
    }
  };
  for (let i = 0; i < n; i++) void one();
  await app.waitFor(() => done === n, 120_000);
}

/** The app process ends (killed by the OS or the user) and starts again in `state`: a fresh JS bundle, the native SDK cold, keychain kept. */
async function coldLaunch(
  app: RunningApp,
  device: Device,
  dist: ExpoDist,
  h: StepHelpers,
  state: 'active' | 'background',
): Promise<RunningApp> {
  await app.unmount();
  device.native.coldRestart();
  device.appState.set(state);
  const next = await launch(device, dist);
  if (await next.waitFor(() => next.auth.isLoaded)) await h.settle(next, device, dist.version);
  return next;
}
