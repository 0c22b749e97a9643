/**
 * Tests may only talk to this machine. The device harness runs the real clerk-js on the test
 * process's global `fetch`, and clerk-js also reports telemetry for development keys
 * (clerk-telemetry.com). While installed, this guard lets requests to loopback addresses through
 * and fails every other one at once, as a device with no network would, recording the URL.
 */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface LoopbackGuard {
  /** Every request that was refused (full URL). */
  blocked: string[];
  restore(): void;
}

/**
 * `hosts` maps a host name to a loopback origin, as the device's DNS would: an app that talks to
 * the Frontend API host of its publishable key directly (no proxyUrl — @clerk/expo 3.0.1 does
 * not pass one to clerk-js) reaches the fake there.
 */
export function loopbackOnly(hosts: Record<string, string> = {}): LoopbackGuard {
  const real = globalThis.fetch;
  const blocked: string[] = [];
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    let url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const mapped = hosts[url.hostname];
    if (mapped) {
      url = new URL(`${url.pathname}${url.search}`, mapped);
      input = typeof input === 'string' || input instanceof URL ? url : new Request(url, input);
    }
    if (!LOOPBACK.has(url.hostname)) {
      blocked.push(url.href);
      return Promise.reject(new TypeError(`network request to ${url.host} blocked by the test harness (loopback only)`));
    }
    return real(input, init);
  }) as typeof fetch;
  return { blocked, restore: () => void (globalThis.fetch = real) };
}
