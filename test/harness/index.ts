/**
 * Headless clerk-js harness: a fake Frontend API, published clerk-js bundles (pristine or with
 * the shipped patch applied by patch-package) evaluated in a React-Native-like scope, and a
 * virtual clock that can starve the JS thread as iOS does. See README.md.
 */
export { VirtualClock, DEFAULT_START, type FiredTimer, type TimerInfo, type StarveOrder, type ClockGlobals } from './virtual-clock.ts';
export {
  HeadlessRuntime,
  hostRouter,
  type HeadlessRuntimeOptions,
  type RuntimeFetch,
  type EvaluableBundle,
  type BundleExports,
  type ConsoleEntry,
} from './headless-runtime.ts';
export {
  FakeFapi,
  PROXY_PATH,
  type FakeFapiOptions,
  type FapiRequest,
  type FapiClient,
  type FapiSession,
  type SessionStatus,
  type SignedIn,
  type StaleClientJwtReading,
  type TokenOnEndedSessionReading,
} from './fapi/server.ts';
export { checkResponse } from './fapi/contract/validate.ts';
export { takeContractViolations, type ContractViolation } from './fapi/contract/violations.ts';
export { ASSUMED_RULES, type AssumedRule } from './assumed-rules.ts';
export { fixture, fixtureEntry, readFixture, FAPI_FIXTURES_DIR } from './fapi/fixtures.ts';
export { mintSessionToken, mintClientJwt, jwks, claimsOf, SESSION_TOKEN_TTL_SECONDS } from './fapi/jwt.ts';
export { bundleSource, shippedVersions, readManifest, revertRequested, CLERK_JS, type BundleSource, type Variant } from './clerk-bundle.ts';
export {
  createExpoClerk,
  loadOptions,
  MemoryTokenCache,
  CLERK_CLIENT_JWT_KEY,
  EXPO_SDK_VERSION,
  type TokenCache,
  type ClerkLike,
  type SessionLike,
  type ClerkConstructor,
  type ExpoHostOptions,
  type LoadOptionsInput,
} from './expo-host.ts';
export { launchHeadlessClerk, signedInTokenCache, type LaunchOptions, type HeadlessClerk } from './headless-clerk.ts';
