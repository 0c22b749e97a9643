import fs from 'node:fs';
import path from 'node:path';
import type { AppStateStatus } from './app-state.ts';
import type { SecureStoreFailures } from './secure-store.ts';

/**
 * A device scenario (fixtures/native/<name>.json): the state of the native Clerk SDK and the
 * token cache when the JS bundle (re)starts, and how the simulated native module behaves.
 */
export interface NativeScenario {
  name: string;
  description: string;
  /** What the user experiences, in their words (the matrix prints it). */
  user?: string;
  /** Short column title (matrix). */
  title?: string;
  /** The fix letter this scenario exercises, if any (matrix). */
  fix?: string;
  /** "kept" also requires the native side to hold the session the JS bootstrap saw (native screens). */
  nativeMustAgree?: boolean;
  platform: 'ios' | 'android';
  /** The device holds a signed-in client when the app starts (default: native.signedIn). */
  signedIn?: boolean;
  /** The native side; null: the JS-only configuration (no ClerkExpo native module registered). */
  native: null | {
    /** The native SDK was configured earlier in this process (a JS reload keeps native state). */
    configured: boolean;
    /** The native SDK holds a signed-in session (and its device token) when JS starts. */
    signedIn: boolean;
    /**
     * configure() semantics. "return-early": pristine iOS Swift — configure waits at most
     * 30×100 ms for a session, then resolves whether or not the session was restored;
     * "wait-for-session": Fix B — configure resolves once a session exists or the restore has
     * a definitive answer. Android always answers once initialised.
     */
    configure?: 'return-early' | 'wait-for-session';
    /**
     * Virtual milliseconds after configure() starts at which a restored native session becomes
     * visible (0: at once). Time on the simulated device is virtual: the native configure wait
     * advances it in 100 ms steps, and each JS getSession() poll is one 100 ms step after the
     * previous one, so outcomes never depend on wall-clock timing.
     */
    sessionRestoredAtMs: number;
    /**
     * The keychain holds the native SDK's cached client (with the session) but no device token
     * (a first launch that hands the JS client token to native). configure(pk, token) keeps that
     * cache (session visible at once) or wipes it (visible only at sessionRestoredAtMs, when the
     * server answers): pristine 3.1.6–3.4.3 Swift wipes it; Fix C and other versions keep it.
     */
    cachedClientWithoutDeviceToken?: boolean;
    /**
     * The native SDK restored a client of its own from its keychain and keeps it (configure()'s
     * token does not replace it): 'stale-sessionless', a client whose session has ended (an old
     * account, a sign-out native never heard of), the case the native→JS client sync must not
     * adopt over a signed-in JS client (Fix G).
     */
    ownClient?: 'stale-sessionless';
  };
  js: {
    /** What expo-secure-store holds under __clerk_client_jwt when JS starts. */
    tokenCache: 'device-client' | 'empty';
    /** Read failures of expo-secure-store (locked iOS keychain, transient Android decrypt errors). */
    secureStore?: SecureStoreFailures;
    /** React Native AppState when the JS bundle starts (default 'active'; 'background' for a background launch). */
    appState?: AppStateStatus;
    /**
     * App code calls getClerkInstance() (with the publishable key and proxy) before
     * <ClerkProvider tokenCache> mounts, as an API client module does at import time (Fix H).
     * `'publishable-key-only'`: that early call passes the publishable key alone, while the
     * provider also passes `proxyUrl` (an app that configured its proxy on the provider only).
     */
    getClerkInstanceBeforeProvider?: boolean | 'publishable-key-only';
    /**
     * The global `navigator` the bundle sees. `react-native` (default, as on a device): `{ product:
     * 'ReactNative' }` with no `onLine`, as React Native's `Libraries/Core/setUpNavigator.js`
     * installs it (clerk-js then reads the device as online and a request that fails on the network
     * throws). `tracks-network`: the same with an `onLine` that follows the device's network (an app
     * that polyfills it, e.g. from @react-native-community/netinfo). `absent`: no `navigator` at all,
     * the world this harness had before it modelled one (clerk-js's isValidBrowserOnline() is false
     * and a failed request reads as "offline": BaseResource._baseFetch returns null instead of
     * throwing); kept only to rerun findings recorded in it. device.ts `installNavigator`.
     */
    navigator?: 'react-native' | 'tracks-network' | 'absent';
  };
  /** The user signs out in JS once loaded and signed in (a genuine sign-out). */
  signOutInJs?: boolean;
  /** The device's network from launch on (run-scenario.ts `applyNetwork`); absent: a working network. */
  network?: ScenarioNetwork;
  /** What happens after the app settled, in order (run-scenario.ts `Step`). */
  steps?: Step[];
  /** The outcome a user expects: still signed in (default), or signed out (a sign-out they asked for, a session the server ended). */
  expect?: 'signed-in' | 'signed-out';
  /** Why a loss this scenario shows is not fixed by a patch (a harness artefact, native-only code): the matrix prints it beside the scenario. */
  note?: string;
  /** false: left out of the CI slice (test/matrix/slice.test.ts), where a behaviour test covers the fix instead. Default: in it. */
  ciSlice?: boolean;
}

/**
 * The network a launch meets (virtual time from the launch):
 * - `stall`: `"METHOD /path"`; matching requests get no answer (a connection hung after a network
 *   change: no error, no response), the first `stallCount` of them (default: all) while the network
 *   is down. A hung request stays hung when the network returns; only new requests get through.
 * - `offlineAtLaunch`: no network at launch (every connection fails at once).
 * - `restoredAfterMs`: the network returns this long after launch.
 * - `answerAfterMs`: with `stall`, a slow server instead: the held requests are answered this long
 *   after the first of them arrived, and the next ones are held again.
 */
export interface ScenarioNetwork {
  stall?: string;
  stallCount?: number;
  offlineAtLaunch?: boolean;
  restoredAfterMs?: number;
  answerAfterMs?: number;
}

/**
 * What happens after the app settled, in order (scenario `steps`):
 * - `sign-out-in-js`: the user taps "Sign out" (clerk.signOut()); on the 3.1–3.3 bridge, also
 *   waits for the native signOut() that follows;
 * - `revoke-on-server` / `expire-on-server` / `abandon-on-server`: the server ends the session
 *   while the app is in the background (dashboard revoke; the session's expire_at or
 *   abandon_at passes);
 * - `offline` / `online`: the device loses / regains its network (the native SDK's requests too);
 * - `network-hangs`: from now on no request gets an answer, the app's and the native SDK's (a
 *   connection hung after a network change, for everything; `online` does not end it);
 * - `foreground`: the app comes back and asks for a session token (getToken, cache skipped), as
 *   the first authenticated request after a foreground does; errors are the app's to handle;
 * - `unlock`: the keychain becomes readable (first unlock after a background launch);
 * - `relaunch`: the JS app starts again on the same device (native module and keychain kept);
 * - `token-401-once`: the server answers the next session-token request 401 (an authentication
 *   error that does not end the session), then the app asks for a token as on `foreground`;
 * - `token-404-once` / `token-403-once`: the same with 404 `resource_not_found` / 403
 *   `authorization_invalid` (the contract's other answers; a missing JWT template, an
 *   organization the user is not a member of) while the session stays active.
 */
export type Step =
  | 'sign-out-in-js'
  | 'revoke-on-server'
  | 'expire-on-server'
  | 'abandon-on-server'
  | 'offline'
  | 'online'
  | 'network-hangs'
  | 'foreground'
  | 'unlock'
  | 'relaunch'
  | 'token-401-once'
  | 'token-404-once'
  | 'token-403-once'
  | ExtraStep;

/**
 * Steps of the wider vocabulary (extra-steps.ts; the session-lifecycle explorer, test/explore/):
 * - `background`: the user leaves the app (AppState 'background'); `open-app`: opens it again
 *   (AppState 'active') and the app asks for a session token;
 * - `suspend-10m` / `suspend-2h` / `suspend-3d`: time passes while the app is suspended (its
 *   timers fire late, when it runs again);
 * - `cold-launch`: the app process is killed and the user opens it again (native SDK cold,
 *   keychain kept); `background-launch`: the same, launched in the background by a push or a
 *   background fetch; `reboot-background-launch`: the device restarts (iOS: the keychain is
 *   unreadable until the first unlock) and the app is launched in the background;
 * - `network-hang`: every request hangs (no answer, no error); `network-slow`: every request is
 *   answered 20 s after it arrives; `network-ok`: the network works again (ends offline, hang, slow);
 * - `token-burst`: five concurrent token requests (cache skipped);
 * - `keystore-read-fails`: the next secure-store read fails as Android's decrypt failure does;
 * - `sign-out-attempt`: the user taps "Sign out" and the app handles a failed signOut() (it
 *   rejects, e.g. "Network error … Please try again." offline) as apps do: the life goes on
 *   (`sign-out-in-js` fails the run instead).
 */
export type ExtraStep =
  | 'background'
  | 'open-app'
  | 'suspend-10m'
  | 'suspend-2h'
  | 'suspend-3d'
  | 'cold-launch'
  | 'background-launch'
  | 'reboot-background-launch'
  | 'network-hang'
  | 'network-slow'
  | 'network-ok'
  | 'token-burst'
  | 'keystore-read-fails'
  | 'sign-out-attempt';

export const NATIVE_FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/native');

export function loadScenario(name: string): NativeScenario {
  const raw = JSON.parse(fs.readFileSync(path.join(NATIVE_FIXTURES, `${name}.json`), 'utf8')) as Omit<NativeScenario, 'name'>;
  return { name, ...raw };
}

export const scenarioNames = (): string[] =>
  fs
    .readdirSync(NATIVE_FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
