import { beforeAll, expect, it } from 'vitest';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { expoDist, type Variant } from '../harness/expo/expo-dist.ts';
import { runLoadedScenario } from '../harness/expo/run-scenario.ts';
import type { NativeScenario, Step } from '../harness/expo/scenario.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { deviceOptions } from '../matrix/device-config.ts';
import { verdict } from '../matrix/verdict.ts';

/**
 * The device's network on the real ClerkProvider: the native module's sign-out meets it as the
 * app's fetches do, and an action that never finishes is an outcome (`never settled`), not an error.
 */
beforeAll(async () => {
  for (const v of ['3.2.7', '4.6.6']) await dependencySet(v);
}, 1_800_000);

const run = async (version: string, scenario: NativeScenario, variant: Variant = 'pristine') => {
  const dist = await expoDist(version, variant);
  return DeviceWorld.with((world) => runLoadedScenario(world, scenario, dist, deviceOptions(version, dist.variant)));
};

const nativeSignOut = (steps: Step[]): NativeScenario => ({
  name: 'native-sign-out',
  description: 'iOS JS reload, signed in natively and in JS; the user signs out',
  platform: 'ios',
  native: { configured: true, signedIn: true, sessionRestoredAtMs: 0 },
  // An app that keeps navigator.onLine in step with the network: clerk-js signs out locally offline
  // (on React Native's own navigator its signOut() rejects, and NativeSessionSync has nothing to mirror).
  js: { tokenCache: 'device-client', navigator: 'tracks-network' },
  steps,
  expect: 'signed-out',
});

// Patched: pristine 3.2.7 signs native out at the reload already (the loss Fix A and D address).
it('3.2.7 patched: the native signOut() after a JS sign-out made offline does not reach the server', async () => {
  // Online, the same sign-out ends the session (endedBy 'native'): clerk-provider-device.test.ts.
  const offline = await run('3.2.7', nativeSignOut(['offline', 'sign-out-in-js', 'online']), 'patched');
  const calls = offline.signOuts;
  expect(calls.length).toBeGreaterThan(0);
  expect(calls[0]!.serverUnreachable).toBe(true);
  expect(calls.map((c) => c.endedSession)).toEqual(calls.map(() => null));
  expect(offline.finalAuth.isSignedIn).toBe(false);
  // Nobody ended it: the server still holds the session the user signed out of.
  expect(offline.serverSession?.status).toBe('active');
});

it('4.6.6: a sign-out on a network that never answers is `never settled`, with the app as it stands', async () => {
  const scenario: NativeScenario = {
    name: 'hung-sign-out',
    description: 'JS-only, signed in; every connection hangs, then the user signs out',
    platform: 'ios',
    signedIn: true,
    native: null,
    js: { tokenCache: 'device-client' },
    steps: ['network-hangs', 'sign-out-in-js'],
    expect: 'signed-out',
  };
  const o = await run('4.6.6', scenario);
  expect(o.neverLoaded).toBe(false);
  expect(o.unsettled).toBe('the action finishing');
  expect(o.serverSession?.status).toBe('active');
  expect(verdict(scenario, o)).toBe('never settled');
});
