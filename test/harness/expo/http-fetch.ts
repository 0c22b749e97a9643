import http from 'node:http';

/**
 * `fetch` over node:http, for the device world. Node's built-in fetch (undici) arms its socket
 * timers with the global `setTimeout` at call time, which is the scenario's virtual clock while a
 * world is open (its handles are plain numbers, and its time stands still while a request is in
 * flight). node:http keeps its timers on Node's own internal list, so a request made here is plain
 * real I/O on loopback: the world waits for it, and virtual time never touches it.
 *
 * Supports what clerk-js sends: any method, headers, string/URLSearchParams/FormData bodies
 * (normalised through `Request`), and `signal` (an abort destroys the request and rejects with
 * an AbortError, as fetch does).
 */
export async function httpFetch(
  input: Parameters<typeof fetch>[0],
  init?: RequestInit,
  /** Told of the live request, so its owner can cut it (a world closing); returns the function to call when it is over. */
  track?: (request: http.ClientRequest) => () => void,
): Promise<Response> {
  const request = new Request(input, init);
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => void (headers[k] = v));
  if (body) headers['content-length'] = String(body.length);
  const signal = init?.signal ?? request.signal;
  if (signal?.aborted) throw abortError(signal);
  return new Promise<Response>((resolve, reject) => {
    const req = http.request(url, { method: request.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const x of v) out.append(k, x);
          else if (v !== undefined) out.set(k, v);
        }
        const status = res.statusCode ?? 500;
        const nullBody = status === 204 || status === 304 || request.method === 'HEAD';
        resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: out }));
      });
    });
    const untrack = track?.(req);
    req.on('close', () => untrack?.());
    req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
    signal?.addEventListener(
      'abort',
      () => {
        req.destroy();
        reject(abortError(signal));
      },
      { once: true },
    );
    req.end(body);
  });
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
