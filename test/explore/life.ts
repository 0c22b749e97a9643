import type { DeviceOptions, RunningApp, Device } from '../harness/expo/device.ts';
import { createDevice, launch } from '../harness/expo/device.ts';
import type { ExpoDist } from '../harness/expo/expo-dist.ts';
import { runStep, settle } from '../harness/expo/run-scenario.ts';
import type { Step } from '../harness/expo/scenario.ts';
import { DeviceWorld } from '../harness/expo/world.ts';
import { startModel, toScenario, type StartConfig } from './config.ts';
import { eventOf, type Model } from './events.ts';
import type { InvariantId } from './invariants.ts';

/** An invariant broken at a step of a life (`step` -1: at the first launch). */
export class Violation extends Error {
  /** The life's timeline up to the violation, when it broke at the first launch (the life never started). */
  timeline?: string[];
  constructor(
    readonly invariant: InvariantId,
    readonly detail: string,
    readonly step: number,
  ) {
    super(`${invariant}: ${detail} (${step < 0 ? 'at the first launch' : `after step ${step + 1}`})`);
  }
}

const CLIENT_JWT_KEY = '__clerk_client_jwt';
const LAUNCHES: ReadonlySet<Step> = new Set(['cold-launch', 'background-launch', 'reboot-background-launch', 'relaunch']);
/** Steps after which the app has just made a foreground request, or the user has just opened it. */
const CHECKPOINTS: ReadonlySet<Step> = new Set([
  'foreground',
  'open-app',
  'token-burst',
  'token-401-once',
  'token-404-once',
  'token-403-once',
  'cold-launch',
  'relaunch',
]);

/** A violation the caller already knows (an earlier finding): the life stops checking and counts it. */
export type KnownCheck = (invariant: InvariantId, steps: readonly Step[]) => string | undefined;

/**
 * One life of an app on a simulated device (the real system of the model-based property): a
 * world of its own, a signed-in device, the app launched and settled; then `do(step)` runs one
 * event and checks every invariant (invariants.ts) against the device's facts, throwing a
 * `Violation` at the first one broken.
 */
export class Life {
  model: Model;
  readonly steps: Step[] = [];
  /** Where each step began in the device's timeline and the server's request log (timelines). */
  readonly marks: { step: Step | 'launch'; timeline: number; requests: number; store: number }[] = [];
  /** The user signed out while the app showed them signed in. */
  signedOutByUser = false;
  /** The server ended the session (an event, not the app). */
  endedByServer = false;
  /** After the server ended it: a foreground request on a working network has happened since. */
  endSeenInForeground = false;
  /** Set when a violation matched a known finding (its id): nothing more is checked. */
  knownHit?: string;

  private constructor(
    readonly world: DeviceWorld,
    readonly device: Device,
    public app: RunningApp,
    readonly dist: ExpoDist,
    model: Model,
    private readonly known: KnownCheck,
  ) {
    this.model = model;
  }

  /** Opens a world, creates the signed-in device and launches the app; checks the first launch. */
  static async start(
    config: StartConfig,
    model: Model,
    dist: ExpoDist,
    options: DeviceOptions,
    known: KnownCheck = () => undefined,
  ): Promise<Life> {
    const world = await DeviceWorld.open();
    try {
      const device = await createDevice(toScenario(config, [], 'explore', ''), world, options);
      const mark = { step: 'launch' as const, timeline: 0, requests: 0, store: 0 };
      const app = await launch(device, dist);
      const life = new Life(world, device, app, dist, model, known);
      life.marks.push(mark);
      if (await app.waitFor(() => app.auth.isLoaded)) await settle(app, device, dist.version);
      try {
        life.check(null, -1);
      } catch (err) {
        if (err instanceof Violation) err.timeline = life.timeline();
        throw err;
      }
      return life;
    } catch (err) {
      await world.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.world.close();
  }

  get sessionId(): string | null {
    return this.device.initialSessionId;
  }

  /** Runs one event (its precondition holds in `model`) and checks the invariants. */
  async do(step: Step): Promise<void> {
    const index = this.steps.length;
    this.steps.push(step);
    this.marks.push({
      step,
      timeline: this.device.timeline.length,
      requests: this.world.fapi.requests.length,
      store: this.device.store.calls.length,
    });
    const before = this.model;
    const signedInBefore = this.app.auth.isLoaded && this.app.auth.isSignedIn === true;
    const serverActiveBefore = this.serverSession()?.status === 'active';
    try {
      this.app = await runStep(step, this.app, this.device, this.dist);
    } catch (err) {
      if (err instanceof Violation) throw err;
      this.violate('run-finishes', (err as Error).message.split('\n')[0]!.slice(0, 300), index);
      return;
    }
    this.model = eventOf(step).next(before);
    // The user signed out when the app showed them signed in and now shows them signed out (a
    // signOut() that rejected offline leaves clerk-js loading instead: not a sign-out).
    if (
      (step === 'sign-out-in-js' || step === 'sign-out-attempt') &&
      signedInBefore &&
      this.app.auth.isLoaded &&
      this.app.auth.isSignedIn === false
    )
      this.signedOutByUser = true;
    if (step.endsWith('-on-server') && serverActiveBefore) this.endedByServer = true;
    if (
      this.endedByServer &&
      CHECKPOINTS.has(step) &&
      this.model.app === 'foreground' &&
      this.model.network === 'online' &&
      step !== 'cold-launch'
    )
      this.endSeenInForeground = true;
    this.check(step, index);
  }

  private serverSession() {
    return this.sessionId ? this.world.fapi.sessions.get(this.sessionId) : undefined;
  }

  private violate(invariant: InvariantId, detail: string, index: number): void {
    if (this.knownHit) return;
    const hit = this.known(invariant, this.steps);
    if (hit) {
      this.knownHit = hit;
      return;
    }
    throw new Violation(invariant, detail, index);
  }

  /** Every invariant after `step` (null: the first launch). */
  private check(step: Step | null, index: number): void {
    if (this.knownHit) return;
    const m = this.model;
    const auth = this.app.auth;
    const signedIn = auth.isLoaded && auth.isSignedIn === true;
    const server = this.serverSession();
    const reachable = m.network === 'online' || m.network === 'slow';
    const isLaunch = step === null || LAUNCHES.has(step);

    // A cold start with a reachable server always finishes loading: a launch in the foreground at
    // once; a launch in the background (push, background fetch) by the time the user opens the app
    // (a locked keychain may defer loading to the foreground: Fix F waits for AppState 'active').
    const opened = step === 'open-app' || (isLaunch && m.app === 'foreground');
    if (opened && reachable && !auth.isLoaded)
      this.violate(
        'launch-finishes',
        `JS Clerk never finished loading (network ${m.network}, ${m.locked ? 'keychain locked' : 'keychain readable'})`,
        index,
      );

    // A sign-out the user asked for is never undone.
    if (this.signedOutByUser && signedIn)
      this.violate('sign-out-stays', `signed in again (session ${auth.sessionId}) after the user signed out`, index);

    const userWantsSession = !this.signedOutByUser && !this.endedByServer;
    if (userWantsSession && this.sessionId) {
      // A session the server holds valid is never lost: nothing on the device ends it...
      if (server && server.status !== 'active')
        this.violate(
          'session-kept',
          `the device ended its own session on the server (status ${server.status}, ended by ${server.endedBy ?? '—'})`,
          index,
        );
      // ...the stored client JWT stays the session's client...
      const stored = this.device.store.items.get(CLIENT_JWT_KEY) ?? null;
      const client = server ? this.world.fapi.clients.get(server.clientId) : undefined;
      if (stored !== null && client && stored !== client.jwt && !client.retiredJwts.includes(stored)) {
        const other = [...this.world.fapi.clients.values()].find((c) => c.jwt === stored || c.retiredJwts.includes(stored));
        this.violate(
          'client-jwt-kept',
          `the stored client JWT is another client's (${other ? `${other.id}, ${other.sessionIds.length ? 'with other sessions' : 'without a session'}` : 'unknown to the server'})`,
          index,
        );
      }
      // ...and the app shows the user signed in whenever it has just asked the server, in the foreground, on a working network.
      if (
        (step === null || CHECKPOINTS.has(step)) &&
        m.app === 'foreground' &&
        reachable &&
        !m.locked &&
        !(signedIn && auth.sessionId === this.sessionId)
      )
        this.violate(
          'session-kept',
          auth.isLoaded
            ? `signed out in JS (isSignedIn ${String(auth.isSignedIn)}, session ${auth.sessionId ?? 'none'}) while the server holds the session active`
            : 'JS Clerk not loaded',
          index,
        );
    }

    // A session the server ended is not shown after the next foreground request plus at most one relaunch.
    if (this.endedByServer && !this.signedOutByUser && step === 'cold-launch' && this.endSeenInForeground && reachable) {
      const nativeShows =
        this.device.native.bridge !== 'none' && this.device.native.sessionId === this.sessionId && this.sessionId !== null;
      if (signedIn || nativeShows)
        this.violate(
          'ended-session-gone',
          `${signedIn ? 'JS' : 'the native SDK'} still shows the session the server ended, after a foreground request and a relaunch`,
          index,
        );
    }
  }

  /** Human-readable timeline of the life (for docs/explorer.md): per step, what the app, the native side, the store and the server saw. */
  timeline(): string[] {
    const lines: string[] = [];
    const { timeline } = this.device;
    const requests = this.world.fapi.requests;
    const calls = this.device.store.calls;
    const t0 = requests[0]?.at ?? 0;
    const short = (s: unknown) => (typeof s === 'string' && s.length > 20 ? `…${s.slice(-8)}` : JSON.stringify(s));
    for (let i = 0; i < this.marks.length; i++) {
      const mark = this.marks[i]!;
      const end = this.marks[i + 1];
      lines.push(`▶ ${mark.step}`);
      for (const e of timeline.slice(mark.timeline, end?.timeline))
        lines.push(
          e.kind === 'native'
            ? `  native ${e.call.method}(${e.call.args.map(short).join(', ')})${e.call.result !== undefined ? ` → ${short(e.call.result)}` : ''}`
            : `  auth ${e.auth.isLoaded ? (e.auth.isSignedIn ? `signed in ${e.auth.sessionId === this.sessionId ? '(the session)' : e.auth.sessionId}` : 'signed out') : 'loading'}`,
        );
      for (const r of requests.slice(mark.requests, end?.requests))
        lines.push(`  ${Math.round((r.at - t0) / 1000)}s ${r.method} ${r.path} → ${r.status || r.route}`);
      for (const c of calls.slice(mark.store, end?.store))
        lines.push(
          `  store ${c.op} ${c.outcome === undefined ? '' : typeof c.outcome === 'string' ? short(c.outcome) : JSON.stringify(c.outcome)}`.trimEnd(),
        );
    }
    const s = this.serverSession();
    lines.push(
      `■ server: session ${s?.status ?? 'none'}${s?.endedBy ? ` (ended by ${s.endedBy})` : ''}; JS ${this.app.auth.isSignedIn ? 'signed in' : 'signed out'}`,
    );
    return lines;
  }
}

/** Starts a life; a harness failure at the first launch is a `run-finishes` violation. */
export async function startLife(
  config: StartConfig,
  dist: ExpoDist,
  options: DeviceOptions,
  known: KnownCheck = () => undefined,
): Promise<Life> {
  try {
    return await Life.start(config, startModel(config), dist, options, known);
  } catch (err) {
    if (err instanceof Violation) throw err;
    throw new Violation('run-finishes', (err as Error).message.split('\n')[0]!.slice(0, 300), -1);
  }
}
