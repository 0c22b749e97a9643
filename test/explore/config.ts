import fc from 'fast-check';
import semver from 'semver';
import type { NativeScenario, Step } from '../harness/expo/scenario.ts';
import type { Model } from './events.ts';

/**
 * The device a life starts on: signed in (the token cache holds the client JWT), iOS or Android,
 * with or without the native module, and the native module's own state when there is one.
 */
export interface StartConfig {
  platform: 'ios' | 'android';
  /**
   * The global `navigator` (scenario.ts `js.navigator`): `absent` (the harness's default so far),
   * `react-native` (as on a device: no `onLine`), `tracks-network` (an app that polyfills `onLine`).
   */
  navigator: 'absent' | 'react-native' | 'tracks-network';
  native: null | {
    /** A JS reload start: the native SDK was configured earlier in this process. */
    configured: boolean;
    /** When the native SDK's restored session becomes visible after configure() (virtual ms). */
    sessionRestoredAtMs: number;
    /** iOS first hand-over: the native keychain has the client cached but no device token. */
    cachedClientWithoutDeviceToken: boolean;
    /** The native keychain restored a client of its own whose session has ended (Fix G's case). */
    staleOwnClient: boolean;
  };
}

/**
 * The start configurations for one version. 3.4.2–3.7.8 cannot start on Android without their
 * native module (requireNativeModule; matrix "—" cells), so no JS-only Android there.
 */
export function startConfigs(version: string): fc.Arbitrary<StartConfig> {
  const jsOnlyAndroid = !semver.satisfies(version, '>=3.4.2 <=3.7.8');
  const native = fc.record({
    configured: fc.boolean(),
    sessionRestoredAtMs: fc.constantFrom(0, 1000, 6500),
    cachedClientWithoutDeviceToken: fc.boolean(),
    staleOwnClient: fc.boolean(),
  });
  const navigator = fc.constantFrom('react-native' as const, 'absent' as const, 'tracks-network' as const);
  return fc.oneof(
    fc.record({ platform: fc.constant('ios' as const), navigator, native: fc.constant(null) }),
    ...(jsOnlyAndroid ? [fc.record({ platform: fc.constant('android' as const), navigator, native: fc.constant(null) })] : []),
    fc.record({ platform: fc.constantFrom('ios' as const, 'android' as const), navigator, native }),
  );
}

export function startModel(c: StartConfig): Model {
  return { platform: c.platform, app: 'foreground', locked: false, network: 'online', server: 'active', signOutTapped: false };
}

/** Short words for a start configuration (findings, progress). */
export function configLabel(c: StartConfig): string {
  // Findings made before the navigator was modelled have none: `absent`, unnamed.
  const nav = !c.navigator || c.navigator === 'absent' ? '' : `, navigator ${c.navigator}`;
  if (!c.native) return `${c.platform} js-only${nav ? ` (${nav.slice(2)})` : ''}`;
  const n = c.native;
  const bits = [
    n.configured ? 'JS reload start' : 'cold start',
    n.sessionRestoredAtMs ? `native session restored after ${n.sessionRestoredAtMs} ms` : '',
    n.cachedClientWithoutDeviceToken ? 'no device token yet' : '',
    n.staleOwnClient ? 'stale native client' : '',
  ].filter(Boolean);
  return `${c.platform} native (${bits.join(', ')}${nav})`;
}

/**
 * The life as a scenario in the fixtures/matrix format: `npm run matrix` / test/matrix/debug-cell.ts
 * run it (runLoadedScenario: launch, settle, then the steps). `expect`: signed out when the user
 * signed out or the server ended the session, else signed in.
 */
export function toScenario(c: StartConfig, steps: readonly Step[], name: string, user: string): NativeScenario {
  const endedOrSignedOut = steps.some((s) => s === 'sign-out-in-js' || s === 'sign-out-attempt' || s.endsWith('-on-server'));
  const native: NativeScenario['native'] = c.native
    ? {
        configured: c.native.configured,
        signedIn: !c.native.staleOwnClient,
        sessionRestoredAtMs: c.native.sessionRestoredAtMs,
        ...(c.native.cachedClientWithoutDeviceToken ? { cachedClientWithoutDeviceToken: true } : {}),
        ...(c.native.staleOwnClient ? { ownClient: 'stale-sessionless' as const } : {}),
      }
    : null;
  return {
    name,
    title: name,
    user,
    description: `Found by the session-lifecycle explorer (test/explore/): ${configLabel(c)}, then ${steps.join(', ')}.`,
    platform: c.platform,
    signedIn: true,
    native,
    js: { tokenCache: 'device-client', navigator: c.navigator ?? 'absent' },
    steps: [...steps],
    expect: endedOrSignedOut ? 'signed-out' : 'signed-in',
  };
}
