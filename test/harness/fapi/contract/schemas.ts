/**
 * JSON schemas (ajv, draft-07) for every Frontend API response the fake sends, written for this
 * project from the facts of Clerk's published FAPI contract: clerk/openapi-specs `fapi/2025-11-10.yml`
 * (the API version clerk-js 6.x sends). Each object lists the fields the contract requires, the
 * optional ones the fake sends, their types and nullability, and whether the contract closes the
 * object to other fields (`closed`). Schema names follow the contract's component names so a
 * violation can be looked up there. Only the parts the fake answers with are described.
 */
export type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const num: Schema = { type: 'number' };
const bool: Schema = { type: 'boolean' };
const anyObject: Schema = { type: 'object' };
const nul = (s: Schema): Schema => ({ anyOf: [{ type: 'null' }, s] });
const oneOfStrings = (...values: string[]): Schema => ({ type: 'string', enum: values });
const arr = (items: Schema): Schema => ({ type: 'array', items });
const mapOf = (values: Schema | true = true): Schema => ({ type: 'object', additionalProperties: values });
const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

/** An object: `required` fields must be present; `optional` ones may be; `closed` refuses any other field. */
function obj(required: Record<string, Schema>, optional: Record<string, Schema> = {}, closed = false): Schema {
  return {
    type: 'object',
    properties: { ...required, ...optional },
    required: Object.keys(required),
    ...(closed ? { additionalProperties: false } : {}),
  };
}
const closed = (required: Record<string, Schema>, optional: Record<string, Schema> = {}): Schema => obj(required, optional, true);
const enabled = closed({ enabled: bool });

const userSettingsAttribute = closed({
  enabled: bool,
  required: bool,
  used_for_first_factor: bool,
  first_factors: arr(str),
  used_for_second_factor: bool,
  second_factors: arr(str),
  verifications: arr(str),
  verify_at_sign_up: bool,
  immutable: bool,
});
const USER_ATTRIBUTES = [
  'email_address',
  'phone_number',
  'username',
  'web3_wallet',
  'first_name',
  'last_name',
  'password',
  'authenticator_app',
  'ticket',
  'backup_code',
  'passkey',
] as const;
const onOffRequired = oneOfStrings('on', 'off', 'required');
const image = obj({}, { object: str, id: str, name: str, public_url: str });

export const definitions: Record<string, Schema> = {
  ClerkError: obj({ message: str, long_message: str, code: str }, { meta: mapOf() }),
  ClerkErrors: obj({ errors: arr(ref('ClerkError')) }, { meta: mapOf(), clerk_trace_id: str }),

  Token: closed({ object: { const: 'token' }, jwt: str }),
  /** The body of POST …/tokens[/template]: an object with a string `jwt` (open). */
  SessionToken: obj({}, { jwt: str }),

  'Stubs.Verification.OTP': obj(
    {
      status: oneOfStrings('unverified', 'verified', 'failed', 'expired'),
      strategy: oneOfStrings('phone_code', 'email_code', 'reset_password_email_code', 'reset_password_phone_code'),
      expire_at: int,
    },
    { object: { const: 'verification_otp' }, attempts: nul(int) },
  ),
  'Stubs.Identification.Link': closed({ type: str, id: str }),
  /** The fake's users carry OTP-verified email addresses only; other verification kinds are not described here. */
  'Client.EmailAddress': closed(
    {
      id: str,
      object: { const: 'email_address' },
      email_address: str,
      reserved: bool,
      verification: nul(ref('Stubs.Verification.OTP')),
      linked_to: arr(ref('Stubs.Identification.Link')),
      created_at: int,
      updated_at: int,
    },
    { matches_sso_connection: bool },
  ),
  /** The fake's users have no phone numbers, wallets, passkeys, external or SAML accounts: those lists must stay empty. */
  'Client.User': obj(
    {
      id: str,
      object: { const: 'user' },
      username: nul(str),
      first_name: nul(str),
      last_name: nul(str),
      has_image: bool,
      primary_email_address_id: nul(str),
      primary_phone_number_id: nul(str),
      primary_web3_wallet_id: nul(str),
      password_enabled: bool,
      two_factor_enabled: bool,
      totp_enabled: bool,
      backup_code_enabled: bool,
      email_addresses: arr(ref('Client.EmailAddress')),
      phone_numbers: { type: 'array', maxItems: 0 },
      web3_wallets: { type: 'array', maxItems: 0 },
      passkeys: { type: 'array', maxItems: 0 },
      external_accounts: { type: 'array', maxItems: 0 },
      saml_accounts: { type: 'array', maxItems: 0 },
      public_metadata: mapOf(),
      external_id: nul(str),
      last_sign_in_at: nul(int),
      banned: bool,
      locked: bool,
      lockout_expires_in_seconds: nul(int),
      verification_attempts_remaining: nul(int),
      created_at: int,
      updated_at: int,
      delete_self_enabled: bool,
      create_organization_enabled: bool,
      last_active_at: nul(int),
      mfa_enabled_at: nul(int),
      mfa_disabled_at: nul(int),
      legal_accepted_at: nul(int),
    },
    {
      image_url: str,
      organization_memberships: { type: 'array', maxItems: 0 },
      password_last_updated_at: nul(int),
      private_metadata: mapOf(),
      unsafe_metadata: mapOf(),
      deprovisioned: bool,
      create_organizations_limit: int,
      profile_image_url: str,
    },
  ),
  'Client.PublicUserData': closed(
    { first_name: nul(str), last_name: nul(str), has_image: bool, identifier: str },
    { image_url: nul(str), profile_image_url: nul(str), user_id: nul(str), username: nul(str), banned: bool, deprovisioned: bool },
  ),
  'Client.Session': obj(
    {
      id: str,
      object: { const: 'session' },
      status: oneOfStrings('active', 'revoked', 'ended', 'expired', 'removed', 'abandoned', 'pending'),
      expire_at: int,
      abandon_at: int,
      last_active_at: int,
      last_active_organization_id: nul(str),
      public_user_data: nul(ref('Client.PublicUserData')),
      factor_verification_age: arr(int),
      created_at: int,
      updated_at: int,
    },
    {
      last_active_token: nul(ref('Token')),
      actor: nul(mapOf()),
      tasks: nul(arr(obj({ key: str }))),
      user: ref('Client.User'),
    },
  ),
  /** sign_in / sign_up are always null in the fake (no sign-in or sign-up in progress). */
  'Client.Client': obj({
    object: { const: 'client' },
    id: str,
    sessions: arr(ref('Client.Session')),
    sign_in: { type: 'null' },
    sign_up: { type: 'null' },
    last_active_session_id: nul(str),
    last_authentication_strategy: nul(str),
    cookie_expires_at: nul(int),
    captcha_bypass: bool,
    created_at: int,
    updated_at: int,
  }),
  'Client.ClientWrappedClient': closed({ response: nul(ref('Client.Client')), client: nul(ref('Client.Client')) }),
  'Client.ClientWrappedSession': closed({ response: ref('Client.Session'), client: ref('Client.Client') }),
  'Client.TouchWrappedSession': closed({ response: ref('Client.Session'), client: nul(ref('Client.Client')) }),
  'Client.DeleteSession': closed({ response: nul(ref('Client.Client')), client: nul(anyObject) }),

  'Client.AuthConfig': closed(
    {
      object: { const: 'auth_config' },
      id: str,
      first_name: onOffRequired,
      last_name: onOffRequired,
      email_address: onOffRequired,
      phone_number: onOffRequired,
      username: onOffRequired,
      password: onOffRequired,
      identification_requirements: arr(arr(str)),
      identification_strategies: arr(str),
      first_factors: arr(str),
      second_factors: arr(str),
      email_address_verification_strategies: arr(str),
      single_session_mode: bool,
      enhanced_email_deliverability: bool,
      test_mode: bool,
      url_based_session_syncing: bool,
      claimed_at: nul(int),
      reverification: bool,
      native_settings: closed({
        object: { const: 'native_settings' },
        api_enabled: bool,
        trusted_device_sign_in_enabled: bool,
        trusted_device_enrollment_prompt_after_sign_in_enabled: bool,
        trusted_device_enrollment_prompt_after_sign_up_enabled: bool,
      }),
    },
    { cookieless_dev: bool },
  ),
  'Client.DisplayConfig': closed(
    {
      object: { const: 'display_config' },
      id: str,
      instance_environment_type: oneOfStrings('production', 'development', 'staging'),
      application_name: str,
      theme: anyObject,
      preferred_sign_in_strategy: oneOfStrings('password', 'otp'),
      ...Object.fromEntries(
        [
          'home_url',
          'sign_in_url',
          'sign_up_url',
          'user_profile_url',
          'waitlist_url',
          'oauth_consent_url',
          'after_sign_in_url',
          'after_sign_up_url',
          'after_sign_out_one_url',
          'after_sign_out_all_url',
          'after_switch_session_url',
          'after_join_waitlist_url',
          'organization_profile_url',
          'create_organization_url',
          'after_leave_organization_url',
          'after_create_organization_url',
          'logo_link_url',
        ].map((k) => [k, str]),
      ),
      ...Object.fromEntries(
        [
          'support_email',
          'clerk_js_version',
          'google_one_tap_client_id',
          'help_url',
          'privacy_policy_url',
          'terms_url',
          'logo_url',
          'favicon_url',
          'captcha_public_key',
          'captcha_public_key_invisible',
        ].map((k) => [k, nul(str)]),
      ),
      branded: bool,
      experimental_force_oauth_first: bool,
      show_devmode_warning: bool,
      logo_image: nul(image),
      favicon_image: nul(image),
      captcha_widget_type: nul(oneOfStrings('smart', 'invisible')),
      captcha_provider: nul(oneOfStrings('turnstile')),
      captcha_oauth_bypass: arr(str),
    },
    { logo_image_url: nul(str), favicon_image_url: nul(str), captcha_heartbeat: nul(bool) },
  ),
  'Client.UserSettings': closed({
    attributes: closed(Object.fromEntries(USER_ATTRIBUTES.map((a) => [a, userSettingsAttribute]))),
    /** OAuth providers by strategy; the fake enables none. */
    social: { type: 'object', maxProperties: 0 },
    saml: closed({ enabled: bool }, { self_serve_sso: bool }),
    enterprise_sso: closed({ enabled: bool }, { self_serve_sso: bool }),
    sign_in: closed({ second_factor: closed({ required: bool }) }),
    sign_up: closed({
      captcha_enabled: bool,
      captcha_widget_type: oneOfStrings('smart', 'invisible'),
      custom_action_required: bool,
      progressive: bool,
      mode: oneOfStrings('public', 'restricted', 'waitlist'),
      legal_consent_enabled: bool,
    }),
    restrictions: closed({
      allowlist: enabled,
      blocklist: enabled,
      allowlist_blocklist_disabled_on_sign_in: enabled,
      block_email_subaddresses: enabled,
      block_disposable_email_domains: enabled,
    }),
    password_settings: closed({
      disable_hibp: bool,
      disable_password_reverification: bool,
      min_length: int,
      max_length: int,
      require_special_char: bool,
      require_numbers: bool,
      require_uppercase: bool,
      require_lowercase: bool,
      show_zxcvbn: bool,
      min_zxcvbn_strength: int,
      enforce_hibp_on_sign_in: bool,
      allowed_special_characters: str,
    }),
    username_settings: closed({
      min_length: nul(int),
      max_length: nul(int),
      allow_extended_special_characters: bool,
      allow_numeric_usernames: bool,
    }),
    /** The contract types create_organizations_limit here as a nullable boolean; the fake sends null. */
    actions: closed({ delete_self: bool, create_organization: bool, create_organizations_limit: nul(bool) }),
    attack_protection: closed({
      user_lockout: closed({ enabled: bool, max_attempts: int, duration_in_minutes: int }),
      pii: enabled,
      email_link: closed({ require_same_client: bool }),
      enumeration_protection: enabled,
    }),
    passkey_settings: closed({ allow_autofill: bool, show_sign_in_button: bool, satisfies_second_factor: bool }),
  }),
  'Client.OrganizationSettings': closed(
    {
      enabled: bool,
      max_allowed_memberships: int,
      actions: closed({ admin_delete: bool }),
      domains: closed({
        enabled: bool,
        enrollment_modes: arr(oneOfStrings('manual_invitation', 'automatic_invitation', 'automatic_suggestion')),
        default_role: str,
      }),
      creator_role: str,
    },
    { slug: closed({ disabled: bool }) },
  ),
  'Client.CommerceSettings': closed({
    billing: closed(
      {},
      {
        stripe_publishable_key: nul(str),
        free_trial_requires_payment_method: bool,
        user: closed({}, { enabled: bool, has_paid_plans: bool }),
        organization: closed({}, { enabled: bool, has_paid_plans: bool }),
      },
    ),
  }),
  'Client.ApiKeysSettings': closed({ enabled: bool, user_api_keys_enabled: bool, orgs_api_keys_enabled: bool }),
  'Client.ProtectConfig': closed(
    {},
    { loaders: arr(closed({}, { rollout: num, type: str, target: str, attributes: mapOf(str), textContent: str })) },
  ),
  /** Every top-level field is optional in the contract, and the object is closed (no `id` / `object`). */
  'Client.Environment': closed(
    {},
    {
      auth_config: ref('Client.AuthConfig'),
      display_config: ref('Client.DisplayConfig'),
      user_settings: ref('Client.UserSettings'),
      organization_settings: ref('Client.OrganizationSettings'),
      fraud_settings: anyObject,
      commerce_settings: ref('Client.CommerceSettings'),
      api_keys_settings: ref('Client.ApiKeysSettings'),
      protect_config: ref('Client.ProtectConfig'),
      client_debug_mode: bool,
      partitioned_cookies: bool,
      maintenance_mode: bool,
    },
  ),
};

/**
 * The operations the fake serves: method, path pattern, and the body schema of each status the
 * contract lists for it. A status the contract does not list for the operation is a violation.
 */
export interface Operation {
  id: string;
  method: string;
  path: RegExp;
  responses: Record<number, string>;
}

const SESSION = '/v1/client/sessions/[^/]+';
export const operations: Operation[] = [
  {
    id: 'getEnvironment',
    method: 'GET',
    path: /^\/v1\/environment$/,
    responses: { 200: 'Client.Environment', 400: 'ClerkErrors', 401: 'ClerkErrors' },
  },
  {
    id: 'getClient',
    method: 'GET',
    path: /^\/v1\/client$/,
    responses: { 200: 'Client.ClientWrappedClient', 400: 'ClerkErrors', 401: 'ClerkErrors', 403: 'ClerkErrors' },
  },
  { id: 'putClient', method: 'PUT', path: /^\/v1\/client$/, responses: { 200: 'Client.ClientWrappedClient' } },
  { id: 'postClient', method: 'POST', path: /^\/v1\/client$/, responses: { 200: 'Client.ClientWrappedClient' } },
  { id: 'deleteClientSessions', method: 'DELETE', path: /^\/v1\/client$/, responses: { 200: 'Client.DeleteSession', 404: 'ClerkErrors' } },
  {
    id: 'removeClientSessionsAndRetainCookie',
    method: 'DELETE',
    path: /^\/v1\/client\/sessions$/,
    responses: { 200: 'Client.DeleteSession', 401: 'ClerkErrors', 404: 'ClerkErrors' },
  },
  {
    id: 'getSession',
    method: 'GET',
    path: new RegExp(`^${SESSION}$`),
    responses: { 200: 'Client.ClientWrappedSession', 401: 'ClerkErrors', 404: 'ClerkErrors' },
  },
  {
    id: 'touchSession',
    method: 'POST',
    path: new RegExp(`^${SESSION}/touch$`),
    responses: {
      200: 'Client.TouchWrappedSession',
      400: 'ClerkErrors',
      401: 'ClerkErrors',
      403: 'ClerkErrors',
      404: 'ClerkErrors',
      422: 'ClerkErrors',
    },
  },
  ...(['end', 'remove'] as const).map((a) => ({
    id: `${a}Session`,
    method: 'POST',
    path: new RegExp(`^${SESSION}/${a}$`),
    responses: { 200: 'Client.ClientWrappedSession', 400: 'ClerkErrors', 401: 'ClerkErrors', 404: 'ClerkErrors' },
  })),
  {
    id: 'createSessionToken',
    method: 'POST',
    path: new RegExp(`^${SESSION}/tokens$`),
    responses: { 200: 'SessionToken', 401: 'ClerkErrors', 403: 'ClerkErrors', 404: 'ClerkErrors' },
  },
  {
    id: 'createSessionTokenWithTemplate',
    method: 'POST',
    path: new RegExp(`^${SESSION}/tokens/[^/]+$`),
    responses: { 200: 'SessionToken', 401: 'ClerkErrors', 404: 'ClerkErrors' },
  },
];
