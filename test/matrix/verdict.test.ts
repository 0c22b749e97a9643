import { expect, it } from 'vitest';
import type { AuthSnapshot } from '../harness/expo/device.ts';
import type { Outcome } from '../harness/expo/run-scenario.ts';
import type { NativeScenario } from '../harness/expo/scenario.ts';
import { verdict } from './verdict.ts';

/**
 * The verdict's rules on outcomes built by hand (the harness produces them in slice.test.ts and
 * the expo-provider tests): `kept` needs the user's own client JWT stored and the session alive
 * after a relaunch; a launch or action that never finishes is named, not thrown.
 */
const SESSION = 'sess_user';
const signedIn: AuthSnapshot = { isLoaded: true, isSignedIn: true, sessionId: SESSION };
const scenario = { name: 'x', description: '', platform: 'ios', native: null, js: { tokenCache: 'device-client' } } as NativeScenario;

const outcome = (over: Partial<Outcome> = {}): Outcome =>
  ({
    finalAuth: signedIn,
    wasSignedInInJs: true,
    neverLoaded: false,
    serverSession: { id: SESSION, status: 'active' },
    nativeSessionId: null,
    storedClientJwt: 'jwt.user-client',
    userClientJwt: 'jwt.user-client',
    relaunched: { auth: signedIn, neverLoaded: false },
    getSessionCalls: [],
    device: { initialSessionId: SESSION, native: { bridge: 'none' } },
    ...over,
  }) as unknown as Outcome;

it('kept: signed in with the session, the user client JWT stored, still signed in after a relaunch', () => {
  expect(verdict(scenario, outcome())).toBe('kept');
});

it('lost when the stored JWT is another client (one without the session), even if signed in now', () => {
  expect(verdict(scenario, outcome({ storedClientJwt: 'jwt.stale-native-client' }))).toBe('lost');
  expect(verdict(scenario, outcome({ storedClientJwt: null }))).toBe('lost');
});

it('lost when the relaunch comes up signed out; hang / never settled when it never loads / never finishes', () => {
  const signedOut: AuthSnapshot = { isLoaded: true, isSignedIn: false, sessionId: null };
  expect(verdict(scenario, outcome({ relaunched: { auth: signedOut, neverLoaded: false } }))).toBe('lost');
  expect(verdict(scenario, outcome({ relaunched: { auth: { isLoaded: false } as AuthSnapshot, neverLoaded: true } }))).toBe('hang');
  expect(verdict(scenario, outcome({ relaunched: { auth: signedIn, neverLoaded: false, unsettled: 'the app settling' } }))).toBe(
    'never settled',
  );
  expect(verdict(scenario, outcome({ relaunched: undefined }))).toBe('lost');
});

it('a launch that never loads is hang; an app whose bootstrap or action never finishes is never settled', () => {
  expect(verdict(scenario, outcome({ neverLoaded: true }))).toBe('hang');
  expect(verdict(scenario, outcome({ unsettled: 'the native bootstrap (configure, getClientToken)' }))).toBe('never settled');
});
