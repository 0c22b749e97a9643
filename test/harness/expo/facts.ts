import type { DeviceWorld } from './world.ts';
import type { Outcome } from './run-scenario.ts';

/**
 * Every fact of one scenario run that a verdict could read, in a form that two runs of the same
 * inputs can compare: the server's requests, the native calls, the secure-store calls, the JS auth
 * states, and the end state. Values that legitimately differ between runs are replaced by stable
 * names: the fake's port (in its URLs and publishable key) and every JWT (it encodes the port and
 * the server's instance number) become `jwt#1`, `jwt#2`… in order of first appearance.
 */
export interface RunFacts {
  verdict?: string;
  finalAuth: Outcome['finalAuth'];
  afterRestart: Outcome['afterRestart'] | null;
  neverLoaded: boolean;
  unsettled: string | null;
  relaunched: Outcome['relaunched'] | null;
  wasSignedInInJs: boolean;
  server: { status: string; endedBy: string | null } | null;
  nativeSessionId: string | null;
  nativeDeviceToken: string | null;
  storedClientJwt: string | null;
  userClientJwt: string | null;
  timeline: string[];
  storeCalls: string[];
  requests: string[];
  blocked: string[];
  afterClose: string[];
}

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;

export function runFacts(outcome: Outcome, world: DeviceWorld, verdict?: string): RunFacts {
  const names = new Map<string, string>();
  const port = new URL(world.fapi.origin).port;
  const clean = (v: unknown): string => {
    const s = typeof v === 'string' ? v : JSON.stringify(v ?? null);
    return s
      .split(world.fapi.publishableKey)
      .join('pk#')
      .split(world.fapi.frontendApiHost)
      .join('fapi-host')
      .split(`:${port}`)
      .join(':port')
      .replace(JWT, (jwt) => {
        if (!names.has(jwt)) names.set(jwt, `jwt#${names.size + 1}`);
        return names.get(jwt)!;
      });
  };
  const orNull = (v: string | null | undefined) => (v == null ? null : clean(v));
  const d = outcome.device;
  return {
    ...(verdict === undefined ? {} : { verdict }),
    finalAuth: outcome.finalAuth,
    afterRestart: outcome.afterRestart ?? null,
    neverLoaded: outcome.neverLoaded,
    unsettled: outcome.unsettled ?? null,
    relaunched: outcome.relaunched ?? null,
    wasSignedInInJs: outcome.wasSignedInInJs,
    server: outcome.serverSession ? { status: outcome.serverSession.status, endedBy: outcome.serverSession.endedBy ?? null } : null,
    nativeSessionId: outcome.nativeSessionId,
    nativeDeviceToken: orNull(outcome.nativeDeviceToken),
    storedClientJwt: orNull(outcome.storedClientJwt),
    userClientJwt: orNull(outcome.userClientJwt),
    timeline: d.timeline.map((e) =>
      e.kind === 'native'
        ? `native ${e.call.method}@${e.call.at} ${clean(e.call.args)} → ${clean(e.call.result ?? null)} ${clean(e.call.endedSession ?? null)}${e.call.serverUnreachable ? ' (server unreachable)' : ''}`
        : `auth ${JSON.stringify(e.auth)}`,
    ),
    storeCalls: d.store.calls.map((c) => `${c.op} ${c.key} ${clean(c.outcome ?? null)}`),
    requests: world.fapi.requests.map(
      (r) =>
        `${r.at} ${r.method} ${r.path} ${r.route} ${r.status} ${r.errorCode ?? ''} auth=${r.authorization ? clean(r.authorization) : '∅'}`,
    ),
    blocked: world.blocked.map(clean),
    afterClose: world.afterClose.map(clean),
  };
}
