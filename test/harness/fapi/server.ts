import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAndRecord } from './contract/validate.ts';
import type { ContractViolation } from './contract/violations.ts';
import { fixture, fixtureEntry } from './fixtures.ts';
import { mintClientJwt, mintSessionToken, SESSION_TOKEN_TTL_SECONDS } from './jwt.ts';
import { nextOrdinal } from '../event-order.ts';

/**
 * A fake Clerk Frontend API on 127.0.0.1 (random port), written for these tests. It serves the
 * routes @clerk/clerk-js 6.x touches while loading headless, minting session tokens and
 * resolving a 401; everything else is answered 404 and listed in `unknownRoutes`, so a test can
 * assert that load touched nothing unexpected. Responses come from fixtures/fapi/*.json.
 *
 * Rules (see test/harness/README.md for why, and where real FAPI behaviour is uncertain):
 * - A client is identified by the client JWT in the `Authorization` request header. A client
 *   has exactly one VALID client JWT at a time; `rotateClientJwt()` issues a new one and the old
 *   one becomes invalid. A request with an invalid (or unknown) client JWT gets
 *   401 `authentication_invalid`, except GET /v1/environment (served to anyone), PUT/POST
 *   /v1/client (they create a client) and GET /v1/client, answered per `staleClientJwt`
 *   (default `fresh-client`: a new signed-out client, the same one for the same stale JWT, with
 *   its JWT in the `Authorization` response header).
 * - No Authorization header, or an empty one: a fresh, signed-out client is created (a first launch).
 * - Client-bound responses carry the client's current JWT in the `Authorization` response
 *   header (native apps store it through the token cache).
 * - `revokeSession()`: the session leaves the client's `sessions`; its token endpoint answers
 *   401 `authentication_invalid` (`tokenOnEndedSession: 404` / `403` for the other readings:
 *   404 `resource_not_found`, 403 `authorization_invalid`).
 * - `endSession(id, by)`: a sign-out of that session by another party sharing the client, e.g.
 *   the native Clerk SDK of an Expo app (`signOut(sessionId:)`), whose own traffic does not come
 *   through this server: status `ended`, `endedBy = by`. Sign-out routes (end / remove /
 *   DELETE /v1/client/sessions) do the same with `endedBy` = the route name. Only an `active`
 *   session changes: a session ended, removed or revoked once keeps its status and `endedBy`.
 * - `offline = true`: every connection is destroyed before a response (fetch rejects, as on a
 *   device without network). Offline requests are recorded with status 0.
 * - `stall(match)`: a matching request gets no answer (route `stalled`, status 0) until the
 *   returned release function runs; then it is answered by the rules above as if it arrived
 *   then. A request whose client gave up meanwhile (aborted, connection closed) is recorded as
 *   `stalled:abandoned` and never answered. Models a connection that hangs after a network
 *   change (no error, no response), not a slow server with a fixed delay: real sockets cannot
 *   be timed on the virtual clock.
 * - Time is `now()` (virtual, shared with the runtime under test): token iat/exp and
 *   timestamps in responses are computed from it.
 * - Every response is checked against Clerk's FAPI contract (./contract/); violations are kept in
 *   `contractViolations` and recorded for the per-test-file guard (./contract/guard.ts).
 * Where a rule is an assumption, an option selects the other reading (README: ASSUMED_RULES).
 */
export interface FakeFapiOptions {
  /** Virtual epoch ms; defaults to the real clock. */
  now?: () => number;
  /** Session token TTL, seconds (Clerk: 60). */
  tokenTtlSeconds?: number;
  /** Host encoded in the publishable key (requests for it are routed here by the runtime). */
  frontendApiHost?: string;
  /** Log unknown routes to stderr as they happen (they are always recorded). */
  logUnknown?: boolean;
  /**
   * GET /v1/client with a client JWT the server does not accept (rotated away, or never issued):
   * - `fresh-client` (default; upstream evidence, see test/harness/README.md): 200 with a new,
   *   signed-out client and its JWT in the `Authorization` response header; the same stale JWT
   *   always gets the same new client;
   * - `null-client`: 200 `{ response: null, client: null }`, no `Authorization` header;
   * - `401`: 401 `authentication_invalid` (the contract lists it; clerk-js answers a 401 with
   *   another GET /v1/client, so this reading makes clerk-js loop).
   */
  staleClientJwt?: StaleClientJwtReading;
  /** A token request for a session that is no longer active (ended, removed, revoked): 401 (default), 404 or 403. */
  tokenOnEndedSession?: TokenOnEndedSessionReading;
}

export type StaleClientJwtReading = 'fresh-client' | 'null-client' | '401';
export type TokenOnEndedSessionReading = 401 | 404 | 403;
/** The statuses the contract lists for POST /v1/client/sessions/{id}/tokens besides 200. */
export type TokenRejection = 401 | 403 | 404;

export interface FapiRequest {
  seq: number;
  /** Virtual ms when the server saw it. */
  at: number;
  method: string;
  /** Path without the proxy prefix, e.g. /v1/client/sessions/sess_1/tokens */
  path: string;
  query: Record<string, string>;
  authorization: string;
  body: Record<string, string>;
  /** Which rule answered: a route name, or 'unknown' / 'offline'. */
  route: string;
  status: number;
  /** Error code in the response body, if any. */
  errorCode?: string;
  /** Process-wide event ordinal (../event-order.ts); virtual ms when it was answered or dropped (offline, abandoned). */
  ord?: number;
  endedAt?: number;
}

export type SessionStatus = 'active' | 'revoked' | 'ended' | 'removed';

export interface FapiSession {
  id: string;
  userId: string;
  clientId: string;
  status: SessionStatus;
  createdAt: number;
  /** Session tokens minted for it, in order. */
  tokens: string[];
  /**
   * What took it out of `active` by signing out: the route name of a Frontend API request
   * (`session.end`, `session.remove`, `client.sessions.delete`) or the `by` given to
   * `endSession()`. Unset while active, and for `revokeSession()`.
   */
  endedBy?: string;
}

export interface FapiClient {
  id: string;
  /** The one client JWT the server accepts for this client. */
  jwt: string;
  /** Client JWTs that were valid once and are now rejected. */
  retiredJwts: string[];
  sessionIds: string[];
  createdAt: number;
}

export interface SignedIn {
  client: FapiClient;
  session: FapiSession;
  /** The client JWT a signed-in device holds in its token cache. */
  clientJwt: string;
}

export const PROXY_PATH = '/__clerk';

/** What a stall rule sees of a request: the method (after `_method`) and the path without the proxy prefix. */
export interface StallMatch {
  method: string;
  path: string;
  /** `native`: a request `reach()` carries for the native SDK (its own connections, not the app's fetch). */
  source?: 'native';
}

interface StallRule {
  match: (r: StallMatch) => boolean;
  waiting: Set<() => void>;
  /** Requests made without HTTP (`reach()`) that this rule holds; not counted in `held`. */
  external: Set<() => void>;
}

export class FakeFapi {
  readonly requests: FapiRequest[] = [];
  /** Responses this server sent that break the FAPI contract (also recorded for ./contract/guard.ts). */
  readonly contractViolations: ContractViolation[] = [];
  readonly staleClientJwt: StaleClientJwtReading;
  /** Ids of the ASSUMED_RULES (test/harness/assumed-rules.ts) whose reading decided a response of this server. */
  readonly assumedRulesApplied = new Set<string>();
  readonly tokenOnEndedSession: TokenOnEndedSessionReading;
  /** The signed-out client minted for each stale client JWT seen on GET /v1/client (`fresh-client`). */
  readonly #clientForStaleJwt = new Map<string, FapiClient>();
  readonly clients = new Map<string, FapiClient>();
  readonly sessions = new Map<string, FapiSession>();
  /** When true, every connection is dropped. */
  offline = false;
  /** Session-token requests still to answer with `#tokenFailureStatus` whatever the session's state (`failTokenRequests(n)`). */
  #tokenFailures = 0;
  #tokenFailureStatus: TokenRejection = 401;
  readonly #stalls: StallRule[] = [];
  #closed = false;
  readonly origin: string;
  readonly proxyUrl: string;
  readonly frontendApiHost: string;
  readonly publishableKey: string;
  readonly #server: http.Server;
  readonly #now: () => number;
  readonly #ttl: number;
  readonly #logUnknown: boolean;
  #seq = 0;
  #ids = 0;
  /** Which server of this process this is (1, 2, …): part of every client JWT it mints, so a JWT names its server. */
  static #started = 0;
  readonly #instance = ++FakeFapi.#started;

  private constructor(server: http.Server, opts: FakeFapiOptions) {
    this.#server = server;
    // The contract's timestamps are whole milliseconds; a virtual clock that ran a jittered backoff can stand between two.
    const now = opts.now ?? Date.now;
    this.#now = () => Math.floor(now());
    this.#ttl = opts.tokenTtlSeconds ?? SESSION_TOKEN_TTL_SECONDS;
    this.#logUnknown = opts.logUnknown ?? false;
    this.staleClientJwt = opts.staleClientJwt ?? 'fresh-client';
    this.tokenOnEndedSession = opts.tokenOnEndedSession ?? 401;
    const { port } = server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.proxyUrl = `${this.origin}${PROXY_PATH}`;
    this.frontendApiHost = opts.frontendApiHost ?? `fake-fapi-${port}.clerk.accounts.dev`;
    this.publishableKey = `pk_test_${Buffer.from(`${this.frontendApiHost}$`).toString('base64')}`;
  }

  static async start(opts: FakeFapiOptions = {}): Promise<FakeFapi> {
    let self: FakeFapi | undefined;
    const server = http.createServer((req, res) => {
      void self!.#handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String((err as Error)?.stack ?? err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FakeFapi(server, opts);
    return self;
  }

  /**
   * The next `n` session-token requests are answered 401 `authentication_invalid` (or `status`:
   * 404 `resource_not_found`, 403 `authorization_invalid`) although the session stays active: an
   * error that ends nothing (what clerk-js does with any 401: it re-reads the client through
   * `handleUnauthenticated`; a 404 or 403 it only throws).
   */
  failTokenRequests(n = 1, status: TokenRejection = 401): void {
    this.#tokenFailures = n;
    this.#tokenFailureStatus = status;
  }

  /** Requests answered 404 because no rule knows them. */
  get unknownRoutes(): FapiRequest[] {
    return this.requests.filter((r) => r.route === 'unknown');
  }

  /** Token requests (POST /v1/client/sessions/:id/tokens[/template]), answered or rejected. */
  get tokenRequests(): FapiRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && TOKENS_PATH.test(r.path));
  }

  /** A client with one active session: what a signed-in device holds. */
  async signIn(userId = 'user_fake'): Promise<SignedIn> {
    const client = await this.#newClient();
    const session: FapiSession = {
      id: this.#id('sess'),
      userId,
      clientId: client.id,
      status: 'active',
      createdAt: this.#now(),
      tokens: [],
    };
    this.sessions.set(session.id, session);
    client.sessionIds.push(session.id);
    return { client, session, clientJwt: client.jwt };
  }

  /** Issues a new client JWT; the old one is rejected from now on. Returns the new one. */
  async rotateClientJwt(clientId: string): Promise<string> {
    const c = this.#client(clientId);
    c.retiredJwts.push(c.jwt);
    c.jwt = await mintClientJwt(c.id, this.#rotating(), this.#sec());
    return c.jwt;
  }

  /** Ends a session on the server (dashboard / backend API revoke). */
  revokeSession(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    s.status = 'revoked';
  }

  /**
   * Ends an active session by id from outside the HTTP routes: what a sign-out by another party
   * sharing the client does (e.g. the native Clerk SDK's `signOut(sessionId:)` in an Expo app,
   * modelled in-process by test/harness/expo/). Status `ended`, `endedBy = by`; the session
   * leaves `client.sessions` and its token endpoint answers 401, as after a revoke.
   * Returns false (and changes nothing) when the session is no longer active.
   */
  endSession(sessionId: string, by: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    return this.#end(s, 'ended', by);
  }

  /**
   * Holds every request matching `match` unanswered (no response, no error) until the returned
   * function is called; it answers those still connected and stops holding. Calling it twice is
   * harmless.
   */
  stall(match: (r: StallMatch) => boolean): () => void {
    const rule: StallRule = { match, waiting: new Set(), external: new Set() };
    this.#stalls.push(rule);
    return () => {
      const i = this.#stalls.indexOf(rule);
      if (i >= 0) this.#stalls.splice(i, 1);
      for (const answer of [...rule.waiting, ...rule.external]) answer();
    };
  }

  /**
   * A request another party makes to this server without HTTP in this process (the native Clerk SDK,
   * modelled in-process by test/harness/expo/native-module.ts) meets the same network as the HTTP
   * requests: it rejects at once while `offline`; a matching `stall()` rule holds it until the rule is
   * released (resolves true: it reaches the server then, unless the network went offline meanwhile)
   * or the server closes (false). Resolves true when it reaches the server. Not recorded in
   * `requests`, not counted in `held`.
   */
  async reach(r: StallMatch): Promise<boolean> {
    if (this.offline) throw new TypeError(`network offline: ${r.method} ${r.path}`);
    const rule = this.#stalls.find((s) => s.match(r));
    if (rule) {
      await new Promise<void>((resolve) => {
        const answer = (): void => {
          rule.external.delete(answer);
          resolve();
        };
        rule.external.add(answer);
      });
      if (this.#closed) return false;
      if (this.offline) throw new TypeError(`network offline: ${r.method} ${r.path}`);
    }
    return !this.#closed;
  }

  /** Requests held by `stall()` right now (their clients are still waiting). */
  get held(): number {
    return this.#stalls.reduce((n, r) => n + r.waiting.size, 0);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const r of this.#stalls.splice(0)) for (const answer of [...r.waiting, ...r.external]) answer();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---------------------------------------------------------------------------------------

  #rotating(): string {
    return `${this.#id('rot')}@${this.#instance}`;
  }

  #id(prefix: string): string {
    return `${prefix}_${(++this.#ids).toString(36).padStart(6, '0')}`;
  }

  #sec(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** Signs an active session out (status `ended` / `removed`); anything else is left as it is. */
  #end(s: FapiSession, status: 'ended' | 'removed', by: string): boolean {
    if (s.status !== 'active') return false;
    s.status = status;
    s.endedBy = by;
    return true;
  }

  #client(id: string): FapiClient {
    const c = this.clients.get(id);
    if (!c) throw new Error(`no client ${id}`);
    return c;
  }

  async #newClient(): Promise<FapiClient> {
    const id = this.#id('client');
    const client: FapiClient = {
      id,
      jwt: await mintClientJwt(id, this.#rotating(), this.#sec()),
      retiredJwts: [],
      sessionIds: [],
      createdAt: this.#now(),
    };
    this.clients.set(id, client);
    return client;
  }

  #clientByJwt(jwt: string): FapiClient | undefined {
    for (const c of this.clients.values()) if (c.jwt === jwt) return c;
    return undefined;
  }

  async #tokenFor(s: FapiSession): Promise<string> {
    const jwt = await mintSessionToken({
      sid: s.id,
      sub: s.userId,
      iat: this.#sec(),
      ttlSeconds: this.#ttl,
      iss: `https://${this.frontendApiHost}`,
    });
    s.tokens.push(jwt);
    return jwt;
  }

  async #sessionJson(s: FapiSession): Promise<unknown> {
    const now = this.#now();
    return fixture('session', {
      session_id: s.id,
      status: s.status,
      now,
      created_at: s.createdAt,
      expire_at: now + 7 * 86_400_000,
      abandon_at: now + 30 * 86_400_000,
      user: fixture('user', { user_id: s.userId }),
      last_active_token: fixture('token', { jwt: await this.#tokenFor(s) }),
    });
  }

  async #clientJson(c: FapiClient): Promise<unknown> {
    const active = c.sessionIds.map((id) => this.sessions.get(id)!).filter((s) => s.status === 'active');
    return fixture('client', {
      client_id: c.id,
      sessions: await Promise.all(active.map((s) => this.#sessionJson(s))),
      last_active_session_id: active.at(-1)?.id ?? null,
      cookie_expires_at: this.#now() + 365 * 86_400_000,
      created_at: c.createdAt,
      now: this.#now(),
    });
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', this.origin);
    const path = url.pathname.startsWith(`${PROXY_PATH}/`) ? url.pathname.slice(PROXY_PATH.length) : url.pathname;
    const body = Object.fromEntries(new URLSearchParams(raw));
    const query = Object.fromEntries(url.searchParams);
    const method = (body._method ?? query._method ?? req.method ?? 'GET').toUpperCase();
    const rec: FapiRequest = {
      seq: ++this.#seq,
      at: this.#now(),
      method,
      path,
      query,
      body,
      authorization: String(req.headers.authorization ?? ''),
      route: 'unknown',
      status: 0,
      ord: nextOrdinal(),
    };
    this.requests.push(rec);

    if (this.offline) {
      rec.route = 'offline';
      rec.endedAt = this.#now();
      req.socket.destroy();
      return;
    }
    const stall = this.#stalls.find((r) => r.match({ method, path }));
    if (stall) {
      rec.route = 'stalled';
      const answered = await new Promise<boolean>((resolve) => {
        const answer = (): void => {
          stall.waiting.delete(answer);
          resolve(true);
        };
        stall.waiting.add(answer);
        res.once('close', () => {
          if (!stall.waiting.delete(answer)) return;
          resolve(false);
        });
      });
      rec.endedAt = this.#now();
      if (!answered || this.#closed || res.destroyed) {
        rec.route = 'stalled:abandoned';
        return;
      }
      if (this.offline) {
        rec.route = 'offline';
        req.socket.destroy();
        return;
      }
    }
    const send = (status: number, json: unknown, client?: FapiClient): void => {
      rec.status = status;
      rec.endedAt = this.#now();
      const code = (json as { errors?: Array<{ code?: string }> } | null)?.errors?.[0]?.code;
      if (code) rec.errorCode = code;
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      if (client) {
        res.setHeader('authorization', client.jwt);
        res.setHeader('access-control-expose-headers', 'authorization');
      }
      res.end(JSON.stringify(json));
      this.contractViolations.push(...checkAndRecord(method, path, status, json));
    };
    const unauthenticated = (): void => send(401, fixtureEntry('errors', 'authentication_invalid', { trace_id: `trace_${rec.seq}` }));
    const notFound = (msg: string, client?: FapiClient): void =>
      send(404, fixtureEntry('errors', 'resource_not_found', { trace_id: `trace_${rec.seq}`, long_message: msg }), client);
    const forbidden = (msg: string, client?: FapiClient): void =>
      send(403, fixtureEntry('errors', 'authorization_invalid', { trace_id: `trace_${rec.seq}`, long_message: msg }), client);
    if (this.#tokenFailures > 0 && method === 'POST' && TOKENS_PATH.test(path)) {
      this.#tokenFailures--;
      rec.route = 'session.tokens (failed on purpose)';
      if (this.#tokenFailureStatus === 404) return notFound('failed on purpose');
      if (this.#tokenFailureStatus === 403) return forbidden('failed on purpose');
      return unauthenticated();
    }

    if (method === 'GET' && path === '/v1/environment') {
      rec.route = 'environment';
      return send(200, fixture('environment'));
    }

    // Client resolution by the client JWT in the Authorization header.
    let client: FapiClient | undefined;
    if (rec.authorization === '') client = await this.#newClient();
    else client = this.#clientByJwt(rec.authorization);
    if (!client && path === '/v1/client' && (method === 'PUT' || method === 'POST')) client = await this.#newClient();
    if (!client && path === '/v1/client' && method === 'GET') {
      this.assumedRulesApplied.add('stale-client-jwt');
      if (this.staleClientJwt === 'null-client') {
        rec.route = 'client.get:none';
        return send(200, { response: null, client: null });
      }
      if (this.staleClientJwt === 'fresh-client') {
        rec.route = 'client.get:fresh';
        const fresh = this.#clientForStaleJwt.get(rec.authorization) ?? (await this.#newClient());
        this.#clientForStaleJwt.set(rec.authorization, fresh);
        return send(200, { response: await this.#clientJson(fresh), client: null }, fresh);
      }
    }
    if (!client) {
      rec.route = `rejected:${routeName(method, path)}`;
      return unauthenticated();
    }

    const envelope = async (response: unknown) => ({ response, client: await this.#clientJson(client) });

    if (path === '/v1/client' && method === 'GET') {
      rec.route = 'client.get';
      return send(200, { response: await this.#clientJson(client), client: null }, client);
    }
    if (path === '/v1/client' && (method === 'PUT' || method === 'POST')) {
      rec.route = 'client.create';
      return send(200, { response: await this.#clientJson(client), client: null }, client);
    }
    const m = /^\/v1\/client\/sessions\/([^/]+)(?:\/(.+))?$/.exec(path);
    if (m) {
      const s = this.sessions.get(m[1]!);
      const action = m[2] ?? '';
      if (!s || s.clientId !== client.id) {
        // A token for a session the presenting client does not hold is 401 (upstream: a duplicate
        // client's JWT "caused 401 authentication_invalid" on token requests, @clerk/expo #9438).
        if (method === 'POST' && (action === 'tokens' || action.startsWith('tokens/'))) {
          rec.route = 'rejected:session.tokens';
          return unauthenticated();
        }
        rec.route = `session.${action || 'get'}`;
        return notFound(`no session ${m[1]} on this client`, client);
      }
      if (method === 'POST' && (action === 'tokens' || action.startsWith('tokens/'))) {
        rec.route = 'session.tokens';
        if (s.status !== 'active') {
          this.assumedRulesApplied.add('token-on-ended-session');
          if (this.tokenOnEndedSession === 404) return notFound(`session ${s.id} is ${s.status}`, client);
          if (this.tokenOnEndedSession === 403) return forbidden(`session ${s.id} is ${s.status}`, client);
          return unauthenticated();
        }
        return send(200, fixture('token', { jwt: await this.#tokenFor(s) }), client);
      }
      if (method === 'POST' && action === 'touch') {
        rec.route = 'session.touch';
        if (s.status !== 'active') return unauthenticated();
        return send(200, await envelope(await this.#sessionJson(s)), client);
      }
      if (method === 'POST' && (action === 'remove' || action === 'end')) {
        rec.route = `session.${action}`;
        this.#end(s, action === 'remove' ? 'removed' : 'ended', rec.route);
        return send(200, await envelope(await this.#sessionJson(s)), client);
      }
    }
    if (path === '/v1/client/sessions' && method === 'DELETE') {
      rec.route = 'client.sessions.delete';
      for (const id of client.sessionIds) this.#end(this.sessions.get(id)!, 'ended', rec.route);
      return send(200, { response: await this.#clientJson(client), client: null }, client);
    }

    if (this.#logUnknown) process.stderr.write(`fake FAPI: unknown route ${method} ${path}\n`);
    return notFound(`fake FAPI has no rule for ${method} ${path}`, client);
  }
}

const TOKENS_PATH = /^\/v1\/client\/sessions\/[^/]+\/tokens(?:\/|$)/;
const routeName = (method: string, path: string): string =>
  method === 'POST' && TOKENS_PATH.test(path) ? 'session.tokens' : `${method} ${path}`;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
