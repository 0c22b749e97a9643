import { EventEmitter } from 'node:events';
import semver from 'semver';
import type { StallMatch } from '../fapi/server.ts';
import type { DeviceFapi } from './world.ts';
import type { NativeScenario } from './scenario.ts';

/**
 * The native bridge contract of a @clerk/expo version (read from each version's dist — the
 * methods its JS calls — and its ios/ Swift and android/ Kotlin sources):
 * - `none` (3.0.1): no ClerkExpo native module at all;
 * - `session` (3.1.2–3.3.1): TurboModule `configure(pk, bearer)`, `getSession()`,
 *   `getClientToken()`, `signOut()` (ClerkViewFactory.swift / ClerkExpoModule.kt);
 * - `client-token` (3.4.2–3.4.3): `configure`, `getSession`, `getClientToken`,
 *   `refreshClient()`; the JS syncNativeClientToJs polls getClientToken (ClerkNativeBridge.swift);
 * - `device-token` (3.5.2–4.6.6): `configure(pk, bearer)`, `getClientToken()`,
 *   `syncClientStateFromJs(deviceToken, sourceId, didChangeClient, didChangeDeviceToken)`
 *   (Expo module from 3.6; 4.6 adds trusted-device methods no session path calls).
 */
export type Bridge = 'none' | 'session' | 'client-token' | 'device-token';

export function bridgeFor(expoVersion: string): Bridge {
  if (semver.lt(expoVersion, '3.1.0')) return 'none';
  if (semver.lt(expoVersion, '3.4.0')) return 'session';
  if (semver.lt(expoVersion, '3.5.0')) return 'client-token';
  return 'device-token';
}

/** The methods each bridge exposes to JS (besides the event-emitter plumbing). */
const BRIDGE_METHODS: Record<Bridge, readonly NativeCall['method'][]> = {
  none: [],
  session: ['configure', 'getSession', 'getClientToken', 'signOut'],
  'client-token': ['configure', 'getSession', 'getClientToken', 'refreshClient'],
  'device-token': ['configure', 'getClientToken', 'syncClientStateFromJs'],
};

/**
 * The simulated ClerkExpo native module (the TurboModule @clerk/expo's dist reaches through
 * TurboModuleRegistry.get("ClerkExpo")). It survives JS reloads, like the native side of an app:
 * one instance per simulated device, shared by every JS launch on it.
 *
 * Semantics follow @clerk/expo 3.2.7's ios/ClerkViewFactory.swift and
 * android/.../ClerkExpoModule.kt:
 * - configure(pk, bearer): a non-empty bearer becomes the native device token (shared client).
 *   Already configured → refresh and return. Otherwise configure and wait for the session:
 *   iOS pristine waits at most 30×100 ms (virtual), Fix B / Android until the restore answers.
 * - getSession(): null until configured; then the native session once it has been restored.
 * - signOut(): when configured and holding a session, ends it at the Frontend API
 *   (Clerk.shared.auth.signOut(sessionId:)) — in-process, `FakeFapi.endSession(id, 'native')`,
 *   so the server records `endedBy: 'native'` —; then clears the session and the device token.
 */
export interface NativeCall {
  method: 'configure' | 'getSession' | 'signOut' | 'getClientToken' | 'refreshClient' | 'syncClientStateFromJs';
  /** Virtual device time of the call (ms since the device started). */
  at: number;
  args: unknown[];
  /** For signOut: the session the native side ended at the Frontend API, if any. */
  endedSession?: string | null;
  /** For getSession: the session id it answered; for getClientToken: the token (null: none). */
  result?: string | null;
  /** The native SDK's own request to the server failed (offline, or unanswered within NATIVE_REQUEST_TIMEOUT_MS). */
  serverUnreachable?: boolean;
}

/**
 * The device's network as the native SDK meets it (createDevice wires it to the world): `reach` is
 * FakeFapi.reach (offline → rejects; a matching stall holds it), timers are the world's virtual ones.
 */
export interface NativeNetwork {
  reach(r: StallMatch): Promise<boolean>;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/**
 * How long the native SDK waits for an answer before its request fails: URLSession's default
 * `timeoutIntervalForRequest` is 60 s (Apple, URLSessionConfiguration.timeoutIntervalForRequest);
 * whether clerk-ios / clerk-android configure another bound is not known here (assumed; Android
 * modelled the same).
 */
export const NATIVE_REQUEST_TIMEOUT_MS = 60_000;

const POLL_MS = 100;
const IOS_CONFIGURE_WAIT_STEPS = 30;

export class SimulatedClerkExpo {
  readonly calls: NativeCall[] = [];
  /** Told of every call as it happens (the device puts calls and JS auth states on one timeline). */
  onCall: (call: NativeCall) => void = () => undefined;
  readonly events = new EventEmitter();
  /** The device's network for the native SDK's own requests; unset: every request reaches the server. */
  network: NativeNetwork | undefined;
  configured: boolean;
  deviceToken: string | null;
  /**
   * The native SDK restored its own client from its keychain and keeps it: configure()'s bearer
   * does not replace it. With a stale or session-less client there, this is the case the
   * native→JS client sync must not adopt over a signed-in JS client (Fix G, upstream #9222).
   */
  keepsOwnClient = false;
  /** The session the native SDK holds (or will hold once restored), and when it becomes visible. */
  private held: { id: string; visibleAt: number } | null;
  /** Virtual time on the device, advanced by the native waits and the JS getSession polls. */
  clock = 0;
  private sinceConfigure = 0;

  /** Native calls still running (a scenario settles only once none is). */
  pending = 0;

  constructor(
    private readonly scenario: NativeScenario,
    private readonly fapi: Pick<DeviceFapi, 'endSession' | 'sessions'>,
    device: { sessionId: string | null; token: string | null },
    readonly bridge: Bridge = 'session',
    /** iOS configure() semantics: pristine Swift returns early; Fix B (and 3.4.4+) waits. */
    private readonly configureMode: 'return-early' | 'wait-for-session' = scenario.native?.configure ?? 'return-early',
    /** iOS syncTokenState() on a first hand-over (no prior device token): false = pristine 3.1.6–3.4.3 wipes the cached client. */
    private readonly keepCacheOnFirstLaunch: boolean = true,
  ) {
    const n = scenario.native;
    this.configured = n?.configured ?? false;
    this.deviceToken = n?.signedIn && !n.cachedClientWithoutDeviceToken ? device.token : null;
    this.held = n?.signedIn && device.sessionId ? { id: device.sessionId, visibleAt: n.configured ? 0 : Number.POSITIVE_INFINITY } : null;
  }

  get sessionId(): string | null {
    return this.configured && this.held && this.clock >= this.held.visibleAt ? this.held.id : null;
  }

  private record(call: NativeCall): void {
    this.calls.push(call);
    this.onCall(call);
  }

  /**
   * The app process is killed and started again (a cold relaunch): the native SDK is not
   * configured any more; what its keychain holds (device token, the client's session) survives
   * and is restored at the next configure(), which loads the client from the server first, so a
   * session the server no longer has active is not restored.
   */
  coldRestart(): void {
    this.configured = false;
    this.sinceConfigure = 0;
    this.restoreFromServer = true;
    if (this.held) this.held.visibleAt = Number.POSITIVE_INFINITY;
  }
  private restoreFromServer = false;

  /** Lets virtual time pass on the device with no JS involved (the native restore carries on). */
  advance(ms: number): void {
    this.clock += ms;
  }

  callsOf(method: NativeCall['method']): NativeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  // --- the TurboModule surface the dist calls ---------------------------------------------

  configure = async (publishableKey: string, bearerToken: string | null): Promise<void> => {
    this.record({ method: 'configure', at: this.clock, args: [publishableKey, bearerToken] });
    const previousToken = this.deviceToken;
    if (bearerToken && !(this.keepsOwnClient && this.deviceToken)) this.deviceToken = bearerToken;
    // Another client's token replaces the native one: the session of the previous client is not this client's.
    if (previousToken && this.deviceToken !== previousToken) this.held = null;
    if (this.configured) return void (await this.refreshFromServer()); // already configured: refreshClient(), nothing else
    this.configured = true;
    this.sinceConfigure = 0;
    if (this.restoreFromServer) {
      this.restoreFromServer = false;
      await this.refreshFromServer();
    }
    if (this.held && !Number.isFinite(this.held.visibleAt)) {
      const restoreAt = this.clock + (this.scenario.native?.sessionRestoredAtMs ?? 0);
      if (this.scenario.native?.cachedClientWithoutDeviceToken && this.scenario.platform === 'ios') {
        // syncTokenState(): a changed token wipes the cached client; pristine 3.1.6–3.4.3 also when there was none.
        const wiped = !!bearerToken && (previousToken === null ? !this.keepCacheOnFirstLaunch : previousToken !== bearerToken);
        this.held.visibleAt = wiped ? restoreAt : this.clock;
      } else this.held.visibleAt = restoreAt;
    }
    const waitForever = this.scenario.platform === 'android' || this.bridge === 'device-token' || this.configureMode === 'wait-for-session';
    // waitForLoadedSession(): poll in 100 ms steps until the session is there (or give up, iOS pristine).
    for (let step = 0; !this.sessionId && this.held && (waitForever || step < IOS_CONFIGURE_WAIT_STEPS); step++) this.clock += POLL_MS;
  };

  getSession = async (): Promise<Record<string, unknown> | null> => {
    // Each poll after the first is one JS POLL_INTERVAL_MS (100 ms) later on the device.
    if (this.configured && this.sinceConfigure++ > 0) this.clock += POLL_MS;
    this.record({ method: 'getSession', at: this.clock, args: [], result: this.sessionId });
    const id = this.sessionId;
    return id ? { sessionId: id, session: { id }, user: { id: 'user_native' } } : null;
  };

  getClientToken = async (): Promise<string | null> => {
    this.record({ method: 'getClientToken', at: this.clock, args: [], result: this.configured ? this.deviceToken : null });
    return this.configured ? this.deviceToken : null;
  };

  /**
   * iOS (`ClerkViewFactory.signOut`, 3.2.7): `defer { Clerk.clearAllKeychainItems() }`, then
   * `try await Clerk.shared.auth.signOut(sessionId:)`: the keychain is cleared whether or not the
   * request succeeds; a failed request throws before `clerkConfigured = false` and the promise
   * rejects `E_SIGN_OUT_FAILED` (`ClerkExpoModule.swift`). Android (`ClerkExpoModule.kt`):
   * `Clerk.auth.signOut()`, rejecting `E_SIGN_OUT_FAILED` when it throws; what clerk-android keeps
   * locally after a failed request is not known here: modelled as nothing cleared (assumed).
   */
  signOut = async (): Promise<void> => {
    const call: NativeCall = { method: 'signOut', at: this.clock, args: [], endedSession: null };
    this.record(call);
    const ios = this.scenario.platform === 'ios';
    if (this.configured) {
      const id = this.sessionId;
      const reached = id ? await this.request('POST', `/v1/client/sessions/${id}/remove`) : true;
      if (id && reached) {
        this.fapi.endSession(id, 'native');
        call.endedSession = id;
      }
      if (ios || reached) {
        this.held = null;
        this.deviceToken = null; // Clerk.clearAllKeychainItems()
      }
      if (!reached) {
        call.serverUnreachable = true;
        throw Object.assign(new Error('The Internet connection appears to be offline.'), { code: 'E_SIGN_OUT_FAILED' });
      }
    } else if (!ios) {
      this.deviceToken = null; // DEVICE_TOKEN removed from SharedPreferences even when not initialised
    }
    this.configured = ios ? false : this.configured;
  };

  refreshClient = async (): Promise<void> => {
    this.record({ method: 'refreshClient', at: this.clock, args: [] });
    await this.refreshFromServer();
  };

  /**
   * 3.5+: JS pushes its client state. A changed, non-empty device token replaces the native one
   * (Clerk.shared.updateDeviceToken); then the native client is refreshed from the server
   * (ClerkNativeBridge.syncClientStateFromJs). Not configured: nothing happens.
   */
  syncClientStateFromJs = async (
    deviceToken: string | null,
    sourceId: string | null,
    didChangeClient: boolean,
    didChangeDeviceToken: boolean,
  ): Promise<void> => {
    this.record({ method: 'syncClientStateFromJs', at: this.clock, args: [deviceToken, sourceId, didChangeClient, didChangeDeviceToken] });
    if (!this.configured) return;
    const token = deviceToken?.trim();
    if (didChangeDeviceToken && token && token !== this.deviceToken) {
      if (this.deviceToken) this.held = null; // another client's token: the previous client's session is not its
      this.deviceToken = token;
    }
    if (didChangeClient || didChangeDeviceToken) await this.refreshFromServer();
  };

  /**
   * The native client re-read from the server (GET /v1/client): a session the server no longer has
   * active is gone. When the request fails (offline, unanswered), the native SDK keeps what it has.
   */
  private async refreshFromServer(): Promise<void> {
    if (!this.configured || !this.held) return;
    if (!(await this.request('GET', '/v1/client'))) return;
    if (this.held && this.fapi.sessions.get(this.held.id)?.status !== 'active') this.held = null;
  }

  /**
   * One request of the native SDK to the Frontend API, through the device's network: true when it
   * reached the server; false when it failed at once (offline) or got no answer within
   * NATIVE_REQUEST_TIMEOUT_MS of virtual time (a hung connection: `stall()`).
   */
  private async request(method: string, path: string): Promise<boolean> {
    const network = this.network;
    if (!network) return true;
    let timer: unknown;
    try {
      return await new Promise<boolean>((resolve, reject) => {
        timer = network.setTimeout(() => resolve(false), NATIVE_REQUEST_TIMEOUT_MS);
        network.reach({ method, path, source: 'native' }).then(resolve, reject);
      });
    } catch {
      return false;
    } finally {
      network.clearTimeout(timer);
    }
  }

  /**
   * What JS sees of this module for the device's bridge generation: only that generation's
   * methods (a 3.5+ dist validates configure/getClientToken/syncClientStateFromJs), each call
   * counted in `pending` while it runs. null for `none`: no native module is registered.
   */
  surface(): Record<string, unknown> | null {
    if (this.bridge === 'none') return null;
    if (this.surfaceCache) return this.surfaceCache;
    const out: Record<string, unknown> = { addListener: this.addListener, removeListeners: this.removeListeners, events: this.events };
    for (const m of BRIDGE_METHODS[this.bridge]) {
      const fn = this[m] as (...a: unknown[]) => Promise<unknown>;
      out[m] = async (...a: unknown[]) => {
        this.pending++;
        try {
          return await fn(...a);
        } finally {
          this.pending--;
        }
      };
    }
    this.surfaceCache = out;
    return out;
  }
  private surfaceCache: Record<string, unknown> | undefined;

  // NativeEventEmitter plumbing (RN calls these on the module).
  addListener = (_event: string): void => undefined;
  removeListeners = (_count: number): void => undefined;

  emitAuthState(event: { type: 'signedIn' | 'signedOut'; sessionId?: string }): void {
    this.events.emit('onAuthStateChange', event);
  }
}
