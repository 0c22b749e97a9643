import { EventEmitter } from 'node:events';
import type { DeviceFapi } from './backend.ts';
import type { NativeScenario } from './scenario.ts';

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
  method: 'configure' | 'getSession' | 'signOut' | 'getClientToken';
  /** Virtual device time of the call (ms since the device started). */
  at: number;
  args: unknown[];
  /** For signOut: the session the native side ended at the Frontend API, if any. */
  endedSession?: string | null;
  /** For getSession: the session id it answered (null: none). */
  result?: string | null;
}

const POLL_MS = 100;
const IOS_CONFIGURE_WAIT_STEPS = 30;

export class SimulatedClerkExpo {
  readonly calls: NativeCall[] = [];
  /** Told of every call as it happens (the device puts calls and JS auth states on one timeline). */
  onCall: (call: NativeCall) => void = () => undefined;
  readonly events = new EventEmitter();
  configured: boolean;
  deviceToken: string | null;
  /** The session the native SDK holds (or will hold once restored), and when it becomes visible. */
  private held: { id: string; visibleAt: number } | null;
  /** Virtual time on the device, advanced by the native waits and the JS getSession polls. */
  clock = 0;
  private sinceConfigure = 0;

  constructor(
    private readonly scenario: NativeScenario,
    private readonly fapi: Pick<DeviceFapi, 'endSession'>,
    device: { sessionId: string | null; token: string | null },
  ) {
    this.configured = scenario.native.configured;
    this.deviceToken = scenario.native.signedIn ? device.token : null;
    this.held = scenario.native.signedIn && device.sessionId ? { id: device.sessionId, visibleAt: scenario.native.configured ? 0 : Number.POSITIVE_INFINITY } : null;
  }

  get sessionId(): string | null {
    return this.configured && this.held && this.clock >= this.held.visibleAt ? this.held.id : null;
  }

  private record(call: NativeCall): void {
    this.calls.push(call);
    this.onCall(call);
  }

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
    if (bearerToken) this.deviceToken = bearerToken;
    if (this.configured) return; // refreshClient() / Clerk.configure no-op: the held session stays as it is
    this.configured = true;
    this.sinceConfigure = 0;
    if (this.held && !Number.isFinite(this.held.visibleAt)) this.held.visibleAt = this.clock + this.scenario.native.sessionRestoredAtMs;
    const waitForever = this.scenario.platform === 'android' || this.scenario.native.configure === 'wait-for-session';
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
    this.record({ method: 'getClientToken', at: this.clock, args: [] });
    return this.deviceToken;
  };

  signOut = async (): Promise<void> => {
    const call: NativeCall = { method: 'signOut', at: this.clock, args: [], endedSession: null };
    this.record(call);
    if (this.configured) {
      const id = this.sessionId;
      if (id) {
        this.fapi.endSession(id, 'native');
        call.endedSession = id;
      }
      this.held = null;
      this.deviceToken = null; // Clerk.clearAllKeychainItems()
    } else if (this.scenario.platform === 'android') {
      this.deviceToken = null; // DEVICE_TOKEN removed from SharedPreferences even when not initialised
    }
    this.configured = this.scenario.platform === 'android' ? this.configured : false;
  };

  // NativeEventEmitter plumbing (RN calls these on the module).
  addListener = (_event: string): void => undefined;
  removeListeners = (_count: number): void => undefined;

  emitAuthState(event: { type: 'signedIn' | 'signedOut'; sessionId?: string }): void {
    this.events.emit('onAuthStateChange', event);
  }
}
