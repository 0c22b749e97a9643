import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Clerk Frontend API on 127.0.0.1 for the Expo provider harness: just the routes
 * @clerk/clerk-js 6.x (native build) calls while loading, refreshing a session token and
 * signing out, over plain HTTP through `proxyUrl`. State (clients by bearer token, sessions by
 * id) lives here so the simulated native module and the assertions see the same server.
 *
 * NOTE: written because the shared Frontend API of issue 3 (test/harness/) did not exist yet
 * when this harness was built. It is self-contained behind `ExpoBackend` so the device
 * harness can move onto the shared server with an adapter.
 */
export interface FapiSession {
  id: string;
  userId: string;
  status: 'active' | 'ended' | 'removed';
  /** Who ended it: "js" (clerk-js over HTTP) or "native" (the simulated native SDK). */
  endedBy?: string;
}

export interface FapiClient {
  id: string;
  token: string;
  sessionIds: string[];
}

export interface LoggedRequest {
  method: string;
  path: string;
  authorization: string;
}

export interface ExpoBackend {
  readonly origin: string;
  readonly proxyUrl: string;
  readonly publishableKey: string;
  readonly requests: LoggedRequest[];
  /** A client with one active session for `userId`: what a signed-in device holds. */
  signedInClient(userId: string): { client: FapiClient; session: FapiSession };
  session(id: string): FapiSession | undefined;
  /** Ends a session from outside clerk-js (what the native SDK's signOut(sessionId:) does). */
  endSession(id: string, by: string): void;
  close(): Promise<void>;
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** An unsigned JWT-shaped token: clerk-js decodes claims but does not verify signatures. */
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'RS256', typ: 'JWT', kid: 'ins_test' })}.${b64url(claims)}.c2ln`;

export async function startExpoBackend(): Promise<ExpoBackend> {
  const clients = new Map<string, FapiClient>(); // by token
  const sessions = new Map<string, FapiSession>();
  const requests: LoggedRequest[] = [];
  let seq = 0;
  const nextId = (p: string) => `${p}_${(++seq).toString().padStart(6, '0')}`;

  const newClient = (): FapiClient => {
    const id = nextId('client');
    const client: FapiClient = { id, token: jwt({ id, rotating_token: nextId('rt') }), sessionIds: [] };
    clients.set(client.token, client);
    return client;
  };

  const now = () => Math.floor(Date.now() / 1000);
  const sessionToken = (s: FapiSession) => jwt({ sid: s.id, sub: s.userId, iat: now(), nbf: now() - 5, exp: now() + 3600, iss: 'https://fake.clerk.test' });
  const userJson = (userId: string) => ({
    object: 'user', id: userId, first_name: 'Test', last_name: 'User', username: null, image_url: '', has_image: false,
    primary_email_address_id: null, primary_phone_number_id: null, primary_web3_wallet_id: null,
    email_addresses: [], phone_numbers: [], web3_wallets: [], external_accounts: [], passkeys: [], enterprise_accounts: [],
    organization_memberships: [], public_metadata: {}, unsafe_metadata: {}, password_enabled: false, two_factor_enabled: false,
    totp_enabled: false, backup_code_enabled: false, create_organization_enabled: false, delete_self_enabled: true,
    last_sign_in_at: 1, created_at: 1, updated_at: 1,
  });
  const sessionJson = (s: FapiSession) => ({
    object: 'session', id: s.id, status: s.status, expire_at: (now() + 86400) * 1000, abandon_at: (now() + 86400 * 7) * 1000,
    last_active_at: now() * 1000, last_active_organization_id: null, actor: null, factor_verification_age: null, tasks: null,
    user: userJson(s.userId), public_user_data: { first_name: 'Test', last_name: 'User', image_url: '', has_image: false, identifier: s.userId },
    last_active_token: { object: 'token', jwt: sessionToken(s) }, created_at: 1, updated_at: 1,
  });
  const clientJson = (c: FapiClient) => {
    const active = c.sessionIds.map((id) => sessions.get(id)!).filter((s) => s.status === 'active');
    return {
      object: 'client', id: c.id, sessions: active.map(sessionJson), sign_in: null, sign_up: null,
      last_active_session_id: active.length > 0 ? active[active.length - 1]!.id : null, cookie_expires_at: null, created_at: 1, updated_at: 1,
    };
  };
  const environmentJson = {
    object: 'environment', id: 'env_1', maintenance_mode: false,
    auth_config: { object: 'auth_config', id: 'aac_1', single_session_mode: true, claimed_at: null },
    display_config: {
      object: 'display_config', id: 'display_config_1', instance_environment_type: 'development', application_name: 'expo-harness',
      home_url: 'http://localhost', sign_in_url: 'http://localhost/sign-in', sign_up_url: 'http://localhost/sign-up',
      after_sign_in_url: '/', after_sign_up_url: '/', after_sign_out_one_url: '/', after_sign_out_all_url: '/',
    },
    user_settings: {}, organization_settings: { enabled: false },
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = url.pathname.replace(/^\/__clerk/, '');
      const method = (new URLSearchParams(body).get('_method') ?? url.searchParams.get('_method') ?? req.method ?? 'GET').toUpperCase();
      const authorization = String(req.headers.authorization ?? '');
      requests.push({ method, path, authorization });
      const send = (status: number, json: unknown, client?: FapiClient) => {
        res.statusCode = status;
        res.setHeader('content-type', 'application/json');
        if (client) res.setHeader('authorization', client.token);
        res.end(JSON.stringify(json));
      };
      const known = clients.get(authorization);
      const client = known ?? (path.startsWith('/v1/client') ? newClient() : undefined);
      const wrap = (response: unknown) => ({ response, client: client ? clientJson(client) : null });

      if (path === '/v1/environment') return send(200, environmentJson);
      if (!client) return send(404, { errors: [{ code: 'resource_not_found', message: 'not found' }] });
      if (path === '/v1/client' && method === 'GET') return send(200, { response: clientJson(client), client: null }, client);
      if (path === '/v1/client/touch' || (path === '/v1/client' && method === 'POST')) return send(200, { response: clientJson(client), client: null }, client);
      if (path === '/v1/client/sessions' && method === 'DELETE') {
        for (const id of client.sessionIds) endSessionById(id, 'js');
        return send(200, { response: clientJson(client), client: null }, client);
      }
      if (path === '/v1/client' && method === 'DELETE') {
        for (const id of client.sessionIds) endSessionById(id, 'js');
        return send(200, { response: clientJson(client), client: null }, client);
      }
      const m = /^\/v1\/client\/sessions\/([^/]+)(?:\/(.*))?$/.exec(path);
      if (m) {
        const s = sessions.get(m[1]!);
        const owned = s && client.sessionIds.includes(s.id);
        if (!s || !owned) return send(404, { errors: [{ code: 'resource_not_found', message: 'session not found' }] }, client);
        const action = m[2] ?? '';
        if (action === 'remove' || action === 'end') {
          endSessionById(s.id, 'js');
          return send(200, wrap(sessionJson(s)), client);
        }
        if (s.status !== 'active') return send(401, { errors: [{ code: 'authentication_invalid', message: 'session ended' }] }, client);
        if (action.startsWith('tokens')) return send(200, { object: 'token', jwt: sessionToken(s) }, client);
        if (action === 'touch' || action === '') return send(200, wrap(sessionJson(s)), client);
      }
      return send(404, { errors: [{ code: 'resource_not_found', message: `no route ${method} ${path}` }] }, client);
    });
  });

  const endSessionById = (id: string, by: string) => {
    const s = sessions.get(id);
    if (s && s.status === 'active') {
      s.status = 'ended';
      s.endedBy = by;
    }
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    proxyUrl: `${origin}/__clerk`,
    publishableKey: `pk_test_${Buffer.from(`127.0.0.1:${port}$`).toString('base64')}`,
    requests,
    signedInClient(userId) {
      const client = newClient();
      const session: FapiSession = { id: nextId('sess'), userId, status: 'active' };
      sessions.set(session.id, session);
      client.sessionIds.push(session.id);
      return { client, session };
    },
    session: (id) => sessions.get(id),
    endSession: endSessionById,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
