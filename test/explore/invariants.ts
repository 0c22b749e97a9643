/**
 * The properties the explorer checks on every life, in users' words (test/explore/README.md
 * explains each). life.ts checks them after every event; `patched-not-worse` is checked on each
 * patched finding by replaying it on the pristine build (explore.ts).
 */
export const INVARIANTS = {
  'session-kept': 'A session the server holds valid is never lost.',
  'ended-session-gone': 'A session the server ended is not shown after the next foreground request plus at most one relaunch.',
  'sign-out-stays': 'A sign-out the user asked for is never undone by a later launch.',
  'launch-finishes': 'A cold start with a reachable server always finishes loading.',
  'client-jwt-kept': 'The stored client JWT is never overwritten by a client without the session, unless the session ended.',
  'patched-not-worse': 'Patched is never worse than pristine.',
  'run-finishes': 'The simulated device can run the event (a harness failure, not an app property).',
} as const;

export type InvariantId = keyof typeof INVARIANTS;
