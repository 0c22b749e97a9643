import { afterEach, describe, expect, it } from 'vitest';
import { clerkRequiredFields } from './contract/clerk-types.ts';
import { checkResponse } from './contract/validate.ts';
import { takeContractViolations } from './contract/violations.ts';
import { fixture } from './fixtures.ts';
import { FakeFapi, type FakeFapiOptions } from './server.ts';

/**
 * Every response the fake sends follows Clerk's FAPI contract (./contract/schemas.ts), under every
 * reading of its assumed rules; the checker itself rejects the defects the fixtures once had.
 */
let fapi: FakeFapi | undefined;
afterEach(async () => {
  await fapi?.close();
  fapi = undefined;
});

async function call(f: FakeFapi, method: string, path: string, auth?: string) {
  const r = await fetch(`${f.proxyUrl}${path}?_is_native=1`, { method, headers: auth === undefined ? {} : { authorization: auth } });
  return { status: r.status, auth: r.headers.get('authorization'), json: (await r.json()) as Record<string, any> };
}

/** A device's life against the fake: first launch, sign-in state, tokens, touch, sign-outs, revoke, rotation. */
async function sessionSequence(f: FakeFapi) {
  const a = await f.signIn('user_a');
  const b = await f.signIn('user_b');
  const c = await f.signIn('user_c');
  const out: Record<string, Awaited<ReturnType<typeof call>>> = {};
  out.environment = await call(f, 'GET', '/v1/environment');
  out.clientStored = await call(f, 'GET', '/v1/client', a.clientJwt);
  out.clientEmpty = await call(f, 'GET', '/v1/client', '');
  out.clientNoHeader = await call(f, 'GET', '/v1/client');
  out.put = await call(f, 'PUT', '/v1/client', a.clientJwt);
  out.post = await call(f, 'POST', '/v1/client');
  out.token = await call(f, 'POST', `/v1/client/sessions/${a.session.id}/tokens`, a.clientJwt);
  out.template = await call(f, 'POST', `/v1/client/sessions/${a.session.id}/tokens/supabase`, a.clientJwt);
  out.touch = await call(f, 'POST', `/v1/client/sessions/${a.session.id}/touch`, a.clientJwt);
  out.end = await call(f, 'POST', `/v1/client/sessions/${b.session.id}/end`, b.clientJwt);
  out.tokenEnded = await call(f, 'POST', `/v1/client/sessions/${b.session.id}/tokens`, b.clientJwt);
  out.remove = await call(f, 'POST', `/v1/client/sessions/${c.session.id}/remove`, c.clientJwt);
  out.deleteSessions = await call(f, 'DELETE', '/v1/client/sessions', c.clientJwt);
  f.revokeSession(a.session.id);
  out.clientRevoked = await call(f, 'GET', '/v1/client', a.clientJwt);
  out.tokenRevoked = await call(f, 'POST', `/v1/client/sessions/${a.session.id}/tokens`, a.clientJwt);
  out.touchRevoked = await call(f, 'POST', `/v1/client/sessions/${a.session.id}/touch`, a.clientJwt);
  const d = await f.signIn('user_d');
  await f.rotateClientJwt(d.client.id);
  out.clientRotated = await call(f, 'GET', '/v1/client', d.clientJwt);
  out.clientRotatedAgain = await call(f, 'GET', '/v1/client', d.clientJwt);
  out.tokenRotated = await call(f, 'POST', `/v1/client/sessions/${d.session.id}/tokens`, d.clientJwt);
  out.clientNeverIssued = await call(f, 'GET', '/v1/client', 'eyJhbGciOiJSUzI1NiJ9.e30.never-issued');
  out.otherClientsSession = await call(f, 'POST', `/v1/client/sessions/${d.session.id}/tokens`, b.clientJwt);
  return { out, d };
}

const READINGS: FakeFapiOptions[] = [
  {},
  { staleClientJwt: 'null-client' },
  { staleClientJwt: '401' },
  { tokenOnEndedSession: 404 },
  { tokenOnEndedSession: 403 },
];

describe('FakeFapi responses follow the FAPI contract', () => {
  for (const options of READINGS) {
    it(`a realistic session sequence sends no violation (${JSON.stringify(options)})`, async () => {
      fapi = await FakeFapi.start(options);
      const { out } = await sessionSequence(fapi);
      expect(fapi.contractViolations).toEqual([]);
      expect(takeContractViolations()).toEqual([]);
      expect(Object.keys(out)).toHaveLength(21);
      expect(fapi.requests.length).toBe(21);
    });
  }

  it('default readings: first launch mints a client; a stale JWT on GET /v1/client gets a new signed-out client; an ended session`s token is 401', async () => {
    fapi = await FakeFapi.start();
    const { out, d } = await sessionSequence(fapi);
    for (const first of [out.clientEmpty!, out.clientNoHeader!]) {
      expect(first.status).toBe(200);
      expect(first.json.response.sessions).toEqual([]);
      expect(fapi.clients.get(first.json.response.id)?.jwt).toBe(first.auth);
    }
    const fresh = out.clientRotated!;
    expect([fresh.status, fresh.json.response.sessions]).toEqual([200, []]);
    expect(fresh.json.response.id).not.toBe(d.client.id);
    expect(fresh.auth).not.toBe(d.clientJwt);
    expect(fapi.clients.get(fresh.json.response.id)?.jwt).toBe(fresh.auth);
    expect(out.clientRotatedAgain!.json.response.id).toBe(fresh.json.response.id); // the same stale JWT, the same new client
    expect(out.clientNeverIssued!.json.response.id).not.toBe(fresh.json.response.id);
    expect([out.tokenEnded!.status, out.tokenRevoked!.status, out.tokenRotated!.status]).toEqual([401, 401, 401]);
    expect([out.otherClientsSession!.status, out.otherClientsSession!.json.errors[0].code]).toEqual([401, 'authentication_invalid']);
  });

  it('other readings: "no client" without a header, 401, and 404 or 403 for an ended session`s token', async () => {
    fapi = await FakeFapi.start({ staleClientJwt: 'null-client', tokenOnEndedSession: 404 });
    let { out } = await sessionSequence(fapi);
    expect([out.clientRotated!.status, out.clientRotated!.json.response, out.clientRotated!.auth]).toEqual([200, null, null]);
    expect([out.tokenEnded!.status, out.tokenRevoked!.status]).toEqual([404, 404]);
    expect(out.tokenRotated!.status).toBe(401); // a stale client JWT is not an ended session
    await fapi.close();

    fapi = await FakeFapi.start({ tokenOnEndedSession: 403 });
    ({ out } = await sessionSequence(fapi));
    expect([out.tokenEnded!.status, out.tokenRevoked!.status, out.tokenEnded!.json.errors[0].code]).toEqual([
      403,
      403,
      'authorization_invalid',
    ]);
    await fapi.close();

    fapi = await FakeFapi.start({ staleClientJwt: '401' });
    ({ out } = await sessionSequence(fapi));
    expect([out.clientRotated!.status, out.clientRotated!.json.errors[0].code, out.clientRotated!.auth]).toEqual([
      401,
      'authentication_invalid',
      null,
    ]);
  });
});

describe('the contract checker', () => {
  const user = () => fixture('user', { user_id: 'user_1' });
  const session = (u: unknown) =>
    fixture('session', {
      session_id: 'sess_1',
      status: 'active',
      now: 1,
      created_at: 1,
      expire_at: 2,
      abandon_at: 3,
      user: u,
      last_active_token: { object: 'token', jwt: 'x.y.z' },
    });
  const clientBody = (u: unknown) => ({
    response: fixture('client', {
      client_id: 'client_1',
      sessions: [session(u)],
      last_active_session_id: 'sess_1',
      cookie_expires_at: null,
      created_at: 1,
      now: 1,
    }),
    client: null,
  });

  it('accepts the fixtures as they are', () => {
    expect(checkResponse('GET', '/v1/client', 200, clientBody(user()))).toEqual([]);
    expect(checkResponse('GET', '/v1/environment', 200, fixture('environment'))).toEqual([]);
  });

  it('names a missing required user field, a wrong verification object, a wrong limit type', () => {
    const u = user();
    delete u.banned;
    (u.email_addresses as Array<{ verification: { object: string } }>)[0]!.verification.object = 'verification_email_code';
    u.create_organizations_limit = null;
    const found = checkResponse('GET', '/v1/client', 200, clientBody(u)).join('\n');
    expect(found).toMatch(/sessions\/0\/user: must have required property 'banned'/);
    expect(found).toMatch(/verification\/object: must be equal to constant/);
    expect(found).toMatch(/create_organizations_limit: must be integer/);
  });

  it('refuses fields a closed object does not have, and statuses the operation does not list', () => {
    const env = { ...fixture('environment'), id: 'env_1', object: 'environment' };
    expect(checkResponse('GET', '/v1/environment', 200, env).join('\n')).toMatch(/must NOT have additional properties \("id"\)/);
    expect(checkResponse('POST', '/v1/client/sessions/sess_1/tokens/supabase', 403, { errors: [] })).toEqual([
      'createSessionTokenWithTemplate: status 403 is not one the contract lists (200, 401, 404)',
    ]);
    expect(checkResponse('POST', '/v1/client/sessions/sess_1/tokens', 401, { errors: [{ code: 'x' }] }).join('\n')).toMatch(/long_message/);
  });
});

/**
 * The fixtures carry every field `@clerk/shared`'s JSON types require, except where Clerk's
 * published contract says otherwise (it wins: the fake answers as FAPI is specified). Each
 * exception names its reason, and must really be absent, so this list cannot go stale.
 */
describe("the fixtures against @clerk/shared's JSON types", () => {
  const CONTRACT_WINS = {
    EnvironmentJSON: { id: 'Client.Environment is closed, without id', object: 'Client.Environment is closed, without object' },
    UserJSON: {
      create_organizations_limit: 'an optional integer in Client.User; the types allow null, the contract does not',
      profile_image_id: 'not a Client.User field',
    },
    TokenJSON: { id: 'Token is closed to object and jwt' },
    UserSettingsJSON: { id: 'Client.UserSettings is closed, without id', object: 'Client.UserSettings is closed, without object' },
    OrganizationSettingsJSON: {
      id: 'Client.OrganizationSettings is closed, without id',
      object: 'Client.OrganizationSettings is closed, without object',
      force_organization_selection: 'not a Client.OrganizationSettings field (closed)',
      organization_creation_defaults: 'not a Client.OrganizationSettings field (closed)',
    },
    VerificationJSON: {
      id: 'not a Stubs.Verification.OTP field',
      verified_at_client: 'not a Stubs.Verification.OTP field',
      error: 'not a Stubs.Verification.OTP field',
    },
  } as Record<string, Record<string, string>>;

  const env = fixture('environment');
  const user = fixture<Record<string, any>>('user', { user_id: 'user_1' });
  const cases: Array<[string, Record<string, unknown>]> = [
    ['EnvironmentJSON', env],
    ['AuthConfigJSON', env.auth_config as Record<string, unknown>],
    ['DisplayConfigJSON', env.display_config as Record<string, unknown>],
    ['UserSettingsJSON', env.user_settings as Record<string, unknown>],
    ['OrganizationSettingsJSON', env.organization_settings as Record<string, unknown>],
    ['UserJSON', user],
    ['EmailAddressJSON', user.email_addresses[0]],
    ['VerificationJSON', user.email_addresses[0].verification],
    [
      'SessionJSON',
      fixture('session', {
        session_id: 's',
        status: 'active',
        now: 1,
        created_at: 1,
        expire_at: 1,
        abandon_at: 1,
        user,
        last_active_token: {},
      }),
    ],
    [
      'PublicUserDataJSON',
      fixture<Record<string, any>>('session', {
        session_id: 's',
        status: 'active',
        now: 1,
        created_at: 1,
        expire_at: 1,
        abandon_at: 1,
        user,
        last_active_token: {},
      }).public_user_data,
    ],
    [
      'ClientJSON',
      fixture('client', { client_id: 'c', sessions: [], last_active_session_id: null, cookie_expires_at: null, created_at: 1, now: 1 }),
    ],
    ['TokenJSON', fixture('token', { jwt: 'x.y.z' })],
  ];
  for (const [type, body] of cases) {
    it(`${type}: every required field present, but for the contract's exceptions`, () => {
      const exceptions = CONTRACT_WINS[type] ?? {};
      const missing = clerkRequiredFields(type).filter((f) => !(f in body));
      expect(missing.filter((f) => !(f in exceptions))).toEqual([]);
      expect(
        Object.keys(exceptions).filter((f) => f in body),
        'listed as absent, but the fixture has it',
      ).toEqual([]);
    });
  }
});
