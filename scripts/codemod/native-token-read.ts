/**
 * The check of a native client token (Fix G's helper on 3.4.2–4.0.2, upstream's
 * `refreshJsClientFromNativeState` from 4.0.3, extended by Fix L) reads the client the token names.
 * Upstream writes the native token into the JS token cache first and reads the client with it (the
 * request hook of `createClerkInstance` sends the cache's JWT), so until the read has answered the
 * secure store holds the native client's JWT: an app killed while the server is slow starts the
 * next launch with a client that has no session.
 *
 * This helper carries the native token in the read's own request instead: a request hook the
 * instance runs after its own (clerk-js runs `__internal_onBeforeRequest` callbacks in the order
 * they were registered) sets the `authorization` header of the next `GET /client` while a read is
 * pending. The token cache keeps the JS client JWT until the check accepts the native client. Fix G
 * and Fix L declare it under different names; the hooks are registered once per instance (a
 * property under `Symbol.for(KEY)`), whichever declared it.
 */
export const READ_KEY = 'clerk-expo-patches.nativeTokenRead';

/** Globals the helper reads: a file that binds one of them would change its meaning. */
export const READ_HELPER_GLOBALS = ['Symbol', 'Object', 'String', 'WeakMap'];

/**
 * `function <name>(clerk, deviceToken)`, one line per entry (tab-indented templates): null when the
 * instance has no request hooks (the caller writes the token to the cache as before); otherwise
 * `{ fetch(readClient), storedByResponse }` — `fetch` runs `readClient` with the next `GET /client`
 * carrying `deviceToken`; `storedByResponse` says whether that response carried a client JWT (which
 * the instance's own response hook has then written into the token cache).
 */
export const nativeTokenReadLines = (name: string): string[] => [
  `// clerk-expo-patches: the read that checks a native client token carries that token in its own request (the next`,
  `// GET /client) instead of through the token cache, which keeps the JS client JWT until the check accepts the`,
  `// native client. null: the instance has no request hooks (the caller writes the token to the cache as before).`,
  `function ${name}(clerk, deviceToken) {`,
  `\tif (!clerk || typeof clerk.__internal_onBeforeRequest !== "function" || typeof clerk.__internal_onAfterResponse !== "function") return null;`,
  `\tconst key = Symbol.for("${READ_KEY}");`,
  `\tlet slot = clerk[key];`,
  `\tif (!slot) {`,
  `\t\tconst s = (slot = { pending: null, requests: new WeakMap() });`,
  `\t\tObject.defineProperty(clerk, key, { value: s });`,
  `\t\tclerk.__internal_onBeforeRequest((requestInit) => {`,
  `\t\t\tconst read = s.pending;`,
  `\t\t\tif (!read || String(requestInit.method || "GET").toUpperCase() !== "GET" || requestInit.path !== "/client") return;`,
  `\t\t\ts.pending = null;`,
  `\t\t\ts.requests.set(requestInit, read);`,
  `\t\t\trequestInit.headers.set("authorization", read.deviceToken || "");`,
  `\t\t});`,
  `\t\tclerk.__internal_onAfterResponse((requestInit, response) => {`,
  `\t\t\tconst read = s.requests.get(requestInit);`,
  `\t\t\tif (read && response && response.headers && typeof response.headers.get === "function" && response.headers.get("authorization")) read.storedByResponse = true;`,
  `\t\t});`,
  `\t}`,
  `\tconst read = { deviceToken, storedByResponse: false };`,
  `\treturn {`,
  `\t\tget storedByResponse() {`,
  `\t\t\treturn read.storedByResponse;`,
  `\t\t},`,
  `\t\tfetch: async (readClient) => {`,
  `\t\t\tslot.pending = read;`,
  `\t\t\ttry {`,
  `\t\t\t\treturn await readClient();`,
  `\t\t\t} finally {`,
  `\t\t\t\tif (slot.pending === read) slot.pending = null;`,
  `\t\t\t}`,
  `\t\t},`,
  `\t};`,
  `}`,
];
