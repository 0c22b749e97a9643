import { claimsOf } from '../harness/fapi/jwt.ts';
import type { Variant } from '../harness/clerk-bundle.ts';
import { backgroundScenario, uncachedGetToken, type Subject } from '../behaviour/background-refresh-scenarios.ts';

/**
 * The clerk-js table of the session-loss matrix: scenarios that run the published clerk-js
 * bundle alone (dist/clerk.native.js, what Metro resolves) in the headless harness
 * (test/harness/headless-*.ts: a vm scope on a virtual clock, wired as @clerk/expo wires it,
 * against its own FakeFapi, React Native's navigator without `onLine`). Each run is a fresh
 * module instance and a fresh fake server, closed after (background-refresh-scenarios.ts).
 */

/**
 * A clerk-js cell's result, in the words of the Expo table (verdict.ts, outcomes.ts):
 * - `kept`: still signed in, same session, and the app's getToken() returned a fresh token for it;
 * - `lost`: signed out without asking;
 * - `no token`: still signed in, but getToken() gave no token (clerk-js's "offline" error), so
 *   every authenticated request the app makes fails;
 * - `error`: the run failed (or its world was not clean: unknown routes, unrouted hosts, throwing timers).
 */
export type ClerkJsResult = 'kept' | 'lost' | 'no token' | 'error';

export interface ClerkJsScenario {
  name: string;
  /** Column title. */
  title: string;
  /** The fix whose bug it shows (docs: fix letter). */
  fix: string;
  /** How time passes and what the app is given. */
  configuration: string;
  /** What the user experiences when it goes wrong (expected: signed in, with a token). */
  user: string;
  run(subject: Subject): Promise<ClerkJsResult>;
}

/** The facts every verdict reads: the end state and the token the app got (or its error). */
export interface TokenFacts {
  signedInAtEnd: boolean;
  token: string | null;
  sessionId: string;
  nowSeconds: number;
}

/** kept / lost / no token, from what the app ended with. */
export function clerkJsVerdict(f: TokenFacts): ClerkJsResult {
  if (!f.signedInAtEnd) return 'lost';
  if (!f.token) return 'no token';
  const c = claimsOf(f.token);
  // A token for another session, or one already expired, is no usable token.
  return c.sid === f.sessionId && (c.exp ?? 0) > f.nowSeconds ? 'kept' : 'no token';
}

/** A cell whose world was not clean is an error, not a verdict. */
function requireClean(what: { unknownRoutes: { method: string; path: string }[]; blocked: number; timerErrors: unknown[] }): void {
  const problems = [
    ...what.unknownRoutes.map((r) => `unknown FAPI route ${r.method} ${r.path}`),
    ...(what.blocked > 0 ? [`${what.blocked} request(s) to unrouted hosts`] : []),
    ...what.timerErrors.map((e) => `timer threw: ${(e as Error)?.message ?? String(e)}`),
  ];
  if (problems.length > 0) throw new Error(`the harness world was not clean: ${problems.join('; ')} (extend FakeFapi or the host router)`);
}

export const CLERK_JS_SCENARIOS: readonly ClerkJsScenario[] = [
  {
    name: 'background-stale-credentials',
    title: '3 h background, stale credentials',
    fix: 'A',
    configuration:
      'three hours with the JS thread suspended (iOS), then every due timer fires once, late, in deadline order; the server rotated the client JWT meanwhile; in the foreground the host stores the current client JWT and the app calls getToken()',
    user: 'My app spent three hours in the background; when I came back I had to sign in again.',
    async run(subject) {
      const f = await backgroundScenario(subject);
      requireClean(f);
      return clerkJsVerdict({ signedInAtEnd: f.signedInAtEnd, token: f.foregroundToken, sessionId: f.sessionId, nowSeconds: f.nowSeconds });
    },
  },
  {
    name: 'uncached-get-token-rn-navigator',
    title: 'uncached getToken, RN navigator',
    fix: 'E',
    configuration:
      "signed in and online, in the foreground; getToken({ skipCache: true }) with React Native's navigator (no navigator.onLine)",
    user: 'I was signed in and online, yet the app could not get a session token ("offline") and none of my data loaded.',
    async run(subject) {
      const f = await uncachedGetToken(subject);
      return clerkJsVerdict(f);
    },
  },
];

export const clerkJsScenarioNames = (): string[] => CLERK_JS_SCENARIOS.map((s) => s.name);

export function clerkJsScenario(name: string): ClerkJsScenario {
  const s = CLERK_JS_SCENARIOS.find((c) => c.name === name);
  if (!s) throw new Error(`no clerk-js matrix scenario "${name}"; known: ${clerkJsScenarioNames().join(', ')}`);
  return s;
}

/** One cell of the clerk-js table. */
export interface ClerkJsCellSpec {
  version: string;
  variant: Variant;
  scenario: string;
}
export interface ClerkJsCellOutcome extends ClerkJsCellSpec {
  result: ClerkJsResult;
  error?: string;
}

/** Runs one clerk-js cell (its own module instance, clock and FakeFapi, closed after); never throws (a failure is an `error` cell). */
export async function runClerkJsCell(spec: ClerkJsCellSpec): Promise<ClerkJsCellOutcome> {
  try {
    const result = await clerkJsScenario(spec.scenario).run({ version: spec.version, variant: spec.variant });
    return { ...spec, result };
  } catch (err) {
    return { ...spec, result: 'error', error: (err as Error).message.split('\n').slice(0, 3).join(' ') };
  }
}
