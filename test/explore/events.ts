import type { Step } from '../harness/expo/scenario.ts';

/**
 * The explorer's world model: what is physically true of the device at a point of its life. Only
 * what decides which events can happen next lives here; the app's own state is read from the
 * simulated device (life.ts). Pure data: fast-check replays and shrinks sequences against it.
 */
export interface Model {
  platform: 'ios' | 'android';
  /** Where the app process is: in the foreground (the user sees it) or in the background. */
  app: 'foreground' | 'background';
  /** iOS: the device restarted and has not been unlocked since (AFTER_FIRST_UNLOCK items unreadable). */
  locked: boolean;
  network: 'online' | 'offline' | 'hang' | 'slow';
  /** The device's session on the server: active, or ended by the server (revoke, expiry, abandon). */
  server: 'active' | 'ended';
  /** The user tapped "Sign out" (there is no sign-in event: one sign-out per life). */
  signOutTapped: boolean;
}

/**
 * One event of an app's life: the harness step that performs it, when it is physically possible
 * (`when`, with the evidence in `why`), and what it changes in the model.
 */
export interface LifeEvent {
  step: Step;
  /** Precondition: the event can happen in this state of the world. */
  when: (m: Model) => boolean;
  /** The precondition in words (docs/explorer.md). */
  condition: string;
  /** Why the precondition is what it is (sources). */
  why: string;
  next: (m: Model) => Model;
}

const same = (m: Model): Model => m;
const fg = (m: Model) => m.app === 'foreground';
const APPSTATE =
  'React Native AppState: `active` = running in the foreground, `background` = the user is in another app or on the home screen (reactnative.dev/docs/appstate)';
const AFTER_FIRST_UNLOCK =
  'Apple, kSecAttrAccessibleAfterFirstUnlock (the token cache\'s keychainAccessible): "cannot be accessed after a restart until the device has been unlocked once by the user. After the first unlock, the data remains accessible until the next restart" (developer.apple.com/documentation/security/ksecattraccessibleafterfirstunlock; confirmed by Apple DTS, developer.apple.com/forums/thread/682669). A later screen lock does not make it unreadable again, so the only locked state is restart-until-first-unlock, and an app in it runs in the background only: the user cannot open an app without unlocking';
const SUSPENDED =
  'A backgrounded app is suspended: its JS timers do not run and fire late when it runs again (iOS app life cycle: suspended apps execute no code; the harness moves the virtual clock without firing timers). Token TTL in the device world: 1 h (world.ts), so 2 h and 3 d outlive every token clerk-js holds';

/** Every event the explorer draws from. Events the harness cannot express yet: docs/explorer.md ("Not yet expressible"). */
export const EVENTS: readonly LifeEvent[] = [
  { step: 'background', when: fg, condition: 'in the foreground', why: APPSTATE, next: (m) => ({ ...m, app: 'background' }) },
  {
    step: 'open-app',
    when: (m) => m.app === 'background' && !m.locked,
    condition: 'in the background, keychain readable (unlocked since the restart)',
    why: `${APPSTATE}; the user opens the app only on an unlocked device (${AFTER_FIRST_UNLOCK})`,
    next: (m) => ({ ...m, app: 'foreground' }),
  },
  {
    step: 'foreground',
    when: (m) => fg(m) && m.network !== 'hang',
    condition: 'in the foreground, network not hung',
    why: 'an authenticated request while the app is in the foreground; the step waits for the request to end, which a hung connection never does (`token-burst` and `open-app` cover a hung network with a bounded wait)',
    next: same,
  },
  {
    step: 'token-burst',
    when: fg,
    condition: 'in the foreground',
    why: 'screens mounting at once each call getToken(); clerk-js dedupes concurrent token requests (SessionTokenCache) — the burst tests that path',
    next: same,
  },
  ...(['token-401-once', 'token-404-once', 'token-403-once'] as const).map((step): LifeEvent => ({
    step,
    when: (m) => fg(m) && m.network === 'online' && m.server === 'active',
    condition: 'in the foreground, online, session active on the server',
    why: 'one token request refused while the session stays live (test/harness/README.md, "a token refused although the session is live"); needs a request that reaches the server',
    next: same,
  })),
  {
    step: 'sign-out-attempt',
    when: (m) => fg(m) && !m.signOutTapped && m.network !== 'hang',
    condition: 'in the foreground, not signed out yet, network not hung',
    why: 'the user taps "Sign out" in the app (foreground); a rejected signOut() is the app\'s to handle. Not on a hung network: the step waits for signOut() to end, which a hung request never does',
    next: (m) => ({ ...m, signOutTapped: true }),
  },
  {
    step: 'offline',
    when: (m) => m.network === 'online',
    condition: 'online',
    why: 'airplane mode, no signal',
    next: (m) => ({ ...m, network: 'offline' }),
  },
  {
    step: 'online',
    when: (m) => m.network === 'offline',
    condition: 'offline',
    why: 'the network returns',
    next: (m) => ({ ...m, network: 'online' }),
  },
  {
    step: 'network-hang',
    when: (m) => m.network === 'online',
    condition: 'online',
    why: 'a network change leaves a dead connection: requests get neither an answer nor an error (test/harness/README.md, stall)',
    next: (m) => ({ ...m, network: 'hang' }),
  },
  {
    step: 'network-slow',
    when: (m) => m.network === 'online',
    condition: 'online',
    why: 'a slow link or server: every request answered 20 s after it arrives',
    next: (m) => ({ ...m, network: 'slow' }),
  },
  {
    step: 'network-ok',
    when: (m) => m.network === 'hang' || m.network === 'slow',
    condition: 'network hung or slow',
    why: 'the network works normally again',
    next: (m) => ({ ...m, network: 'online' }),
  },
  ...(['revoke-on-server', 'expire-on-server', 'abandon-on-server'] as const).map((step): LifeEvent => ({
    step,
    when: (m) => m.server === 'active',
    condition: 'session active on the server',
    why: 'the server ends the session at any time, whatever the device does: a dashboard or Backend API revoke, the session lifetime (expire_at) or inactivity timeout (abandon_at) passing',
    next: (m) => ({ ...m, server: 'ended' }),
  })),
  ...(['suspend-10m', 'suspend-2h', 'suspend-3d'] as const).map((step): LifeEvent => ({
    step,
    when: (m) => m.app === 'background',
    condition: 'in the background',
    why: SUSPENDED,
    next: same,
  })),
  {
    step: 'cold-launch',
    when: (m) => !m.locked,
    condition: 'keychain readable (the user unlocked the device)',
    why: 'the OS killed the app (memory pressure, or the user swiped it away) and the user opens it again: a fresh JS bundle and a cold native SDK, keychain kept. The user opens apps only on an unlocked device',
    next: (m) => ({ ...m, app: 'foreground' }),
  },
  {
    step: 'background-launch',
    when: (m) => m.app === 'background',
    condition: 'in the background',
    why: 'a suspended app the OS terminated is launched again in the background by a push notification or a background fetch (AppState starts `background`); the OS does not terminate the foreground app to do so',
    next: same,
  },
  {
    step: 'reboot-background-launch',
    when: () => true,
    condition: 'always',
    why: `the device restarts (the app process ends) and the app is launched in the background before the first unlock; ${AFTER_FIRST_UNLOCK}. Android: no keychain lock modelled (expo-secure-store's keystore reads need no unlock in this harness; test/harness/expo/README.md)`,
    next: (m) => ({ ...m, app: 'background', locked: m.platform === 'ios' }),
  },
  {
    step: 'unlock',
    when: (m) => m.locked,
    condition: 'after a restart, before the first unlock',
    why: AFTER_FIRST_UNLOCK,
    next: (m) => ({ ...m, locked: false }),
  },
  {
    step: 'relaunch',
    when: (m) => fg(m) && !m.locked && (m.network === 'online' || m.network === 'slow'),
    condition: 'in the foreground, keychain readable, network online or slow',
    why: "a JS reload while the app is open (an over-the-air update applied with expo-updates reloadAsync, or a development reload): the native side and keychain stay. Only on a working network: the harness's `relaunch` step fails the run when loading never finishes (run-scenario.ts settle), so a reload offline or on a hung network is not expressible yet; `cold-launch` covers launching on a dead network",
    next: same,
  },
  {
    step: 'keystore-read-fails',
    when: (m) => m.platform === 'android',
    condition: 'Android',
    why: 'Android: expo-secure-store rejects a read with ERR_DECRYPT (SecureStoreModule.kt readJSONEncodedItem; test/harness/expo/README.md, "Android transient read failure")',
    next: same,
  },
];

/** The event of a step (every step the explorer draws has one). */
export function eventOf(step: Step): LifeEvent {
  const e = EVENTS.find((x) => x.step === step);
  if (!e) throw new Error(`no explorer event for step "${step}"`);
  return e;
}

/** The steps of `steps` that can happen one after another from `m` (what fast-check's model run executes: an impossible step is skipped). */
export function possibleSteps(m: Model, steps: readonly Step[]): Step[] {
  const done: Step[] = [];
  let state = m;
  for (const step of steps) {
    const e = eventOf(step);
    if (!e.when(state)) continue;
    done.push(step);
    state = e.next(state);
  }
  return done;
}
