import { FakeFapi } from '../fapi/server.ts';

/**
 * The device harness's Frontend API is the shared fake of test/harness/fapi/ (`FakeFapi`),
 * started with the two settings this harness needs:
 *
 * - `now: Date.now` — clerk-js, @clerk/react and React run on the test process's real clock
 *   here (only the simulated native module has virtual time, and it never reaches the Frontend
 *   API), so token `iat`/`exp` and response timestamps must come from that same clock.
 * - `tokenTtlSeconds: 3600` — on real time, Clerk's 60 s TTL would let clerk-js's refresh timers
 *   take part in a slow run. These scenarios are about reloads and sign-outs, not token refresh;
 *   test/behaviour/ covers refresh on a virtual clock with the 60 s TTL.
 *
 * Requests reach it through `proxyUrl` (clerk-js 6.8's native build honours it).
 */
export const DEVICE_TOKEN_TTL_SECONDS = 3600;

export function startDeviceFapi(): Promise<FakeFapi> {
  return FakeFapi.start({ now: Date.now, tokenTtlSeconds: DEVICE_TOKEN_TTL_SECONDS });
}

/** What the simulated device uses of the server: its addresses, a signed-in client, sessions by id, ending them, its network. */
export type DeviceFapi = Pick<FakeFapi, 'proxyUrl' | 'publishableKey' | 'signIn' | 'sessions' | 'endSession' | 'revokeSession' | 'offline'>;
