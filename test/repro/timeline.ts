import type { FakeFapi } from '../harness/fapi/server.ts';
import type { Outcome } from '../harness/expo/run-scenario.ts';

/**
 * One cell's timeline, as `npm run repro` prints it: the Frontend API requests, the secure
 * store's calls, the native module's calls and the JS auth states, in the order they happened
 * (virtual ms since the first event; the harness's event ordinal within a millisecond).
 */
export type ReproEvent =
  | { at: number; kind: 'request'; method: string; path: string; status: number; outcome: string; tookMs: number | null; client: string }
  | { at: number; kind: 'store'; op: 'get' | 'set' | 'delete'; key: string; outcome: string }
  | { at: number; kind: 'native'; method: string; args: string[]; result: string }
  | { at: number; kind: 'auth'; state: string }
  | { at: number; kind: 'step'; step: string; what: string };

/** What each scenario step does, in the words the timeline prints (run-scenario.ts runStep). */
const STEP_WORDS: Readonly<Record<string, string>> = {
  'sign-out-in-js': 'the user signs out in the app',
  'revoke-on-server': 'the server revokes the session (the app is in the background)',
  'expire-on-server': "the session's expire_at passes on the server (the app is in the background)",
  'abandon-on-server': "the session's abandon_at passes on the server (the app is in the background)",
  offline: 'the device goes offline',
  online: 'the device is back online',
  foreground: 'the app comes to the foreground and asks for a session token',
  unlock: 'the user unlocks the phone',
  relaunch: 'the user opens the app again (a fresh JS start)',
  'token-401-once': 'the next token request is answered 401 once; the app comes to the foreground and asks for a token',
  'token-404-once': 'the next token request is answered 404 once, the session still active; the app asks for a token',
  'token-403-once': 'the next token request is answered 403 once, the session still active; the app asks for a token',
  'cold-restart': 'the app is killed and started again (the verdict looks at both sides of it)',
};

/** Names a client JWT by the client it belongs to on the fake server, so a reader sees which client each request and write carries. */
function jwtNamer(fapi: FakeFapi): (jwt: string) => string {
  const byJwt = new Map<string, string>();
  for (const c of fapi.clients.values()) for (const j of [c.jwt, ...c.retiredJwts]) byJwt.set(j, c.id);
  return (jwt) => {
    const bare = jwt.replace(/^Bearer\s+/i, '');
    const id = byJwt.get(bare);
    if (id) return `${id} JWT`;
    return bare.length > 16 ? `…${bare.slice(-10)}` : JSON.stringify(bare);
  };
}

export function collectTimeline(fapi: FakeFapi, outcome: Outcome): ReproEvent[] {
  const name = jwtNamer(fapi);
  // `at` NaN: an event without a stamp (shown at the start).
  const rows: { ord: number; event: ReproEvent }[] = [];
  for (const r of fapi.requests) {
    const outcomeText =
      r.route === 'offline'
        ? 'no answer: offline'
        : r.route === 'stalled'
          ? 'no answer: hung, never answered'
          : r.route === 'stalled:abandoned'
            ? 'no answer: hung, then dropped by the app'
            : `${r.status}${r.errorCode ? ` ${r.errorCode}` : ''}`;
    rows.push({
      ord: r.ord ?? Number.MAX_SAFE_INTEGER,
      event: {
        at: r.at,
        kind: 'request',
        method: r.method,
        path: r.path,
        status: r.status,
        outcome: outcomeText,
        tookMs: r.endedAt === undefined ? null : r.endedAt - r.at,
        client: r.authorization ? name(r.authorization) : 'no client JWT',
      },
    });
  }
  // A landed set or delete is the next entry of `writes` (same order), which holds the value written.
  let write = 0;
  for (const c of outcome.device.store.calls) {
    let text: string;
    if (c.op === 'get')
      text =
        c.outcome && typeof c.outcome === 'object'
          ? `rejects ${c.outcome.error}`
          : c.outcome === null || c.outcome === undefined
            ? 'null'
            : name(c.outcome);
    else if (c.outcome && typeof c.outcome === 'object') text = `fails: ${c.outcome.error}`;
    else {
      const w = outcome.device.store.writes[write++];
      text = c.op === 'set' ? (w?.value ? name(w.value) : '?') : 'removed';
    }
    rows.push({
      ord: c.ord ?? Number.MAX_SAFE_INTEGER,
      event: { at: c.at ?? Number.NaN, kind: 'store', op: c.op, key: c.key, outcome: text },
    });
  }
  for (const e of outcome.device.timeline) {
    const ord = e.ord ?? Number.MAX_SAFE_INTEGER;
    if (e.kind === 'native') {
      const args = e.call.args.map((a) =>
        typeof a === 'string' && a.startsWith('pk_') ? 'pk_…' : typeof a === 'string' && a.length > 24 ? name(a) : JSON.stringify(a),
      );
      const result =
        e.call.method === 'signOut'
          ? e.call.endedSession
            ? `ends ${e.call.endedSession} on the server`
            : ''
          : e.call.result === undefined
            ? ''
            : e.call.result === null
              ? 'null'
              : e.call.result.length > 24
                ? name(e.call.result)
                : e.call.result;
      rows.push({ ord, event: { at: e.at ?? Number.NaN, kind: 'native', method: e.call.method, args, result } });
    } else {
      const a = e.auth;
      const state = !a.isLoaded ? 'loading' : a.isSignedIn ? `signed in (${a.sessionId})` : 'signed out';
      rows.push({ ord, event: { at: e.at ?? Number.NaN, kind: 'auth', state } });
    }
  }
  for (const st of outcome.device.steps ?? [])
    rows.push({ ord: st.ord, event: { at: st.at, kind: 'step', step: st.step, what: STEP_WORDS[st.step] ?? st.step } });
  rows.sort((x, y) => x.ord - y.ord);
  const known = rows.map((r) => r.event.at).filter((t) => !Number.isNaN(t));
  const t0 = known.length ? Math.min(...known) : 0;
  return rows.map((r) => ({ ...r.event, at: Number.isNaN(r.event.at) ? 0 : r.event.at - t0 }));
}

const secs = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`);

export function renderEvent(e: ReproEvent): string {
  const t = `+${secs(e.at)}`.padStart(9);
  switch (e.kind) {
    case 'request': {
      const took = e.tookMs === null ? '' : e.tookMs > 0 ? ` after ${secs(e.tookMs)}` : '';
      return `${t}  http    ${e.method} ${e.path} [${e.client}] → ${e.outcome}${took}`;
    }
    case 'store':
      return `${t}  store   ${e.op} ${e.key} ${e.op === 'set' ? '←' : '→'} ${e.outcome}`;
    case 'native':
      return `${t}  native  ${e.method}(${e.args.join(', ')})${e.result ? ` → ${e.result}` : ''}`;
    case 'auth':
      return `${t}  auth    ${e.state}`;
    case 'step':
      return `${t}  ── step ${e.step}: ${e.what}`;
  }
}
