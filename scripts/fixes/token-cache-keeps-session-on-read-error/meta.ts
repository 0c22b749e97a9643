import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'token-cache-keeps-session-on-read-error',
  letter: 'F',
  title: 'The Expo token cache never turns a keychain read error into a sign-out (no delete, no null on a failed read)',
  package: '@clerk/expo',
  affected: '>=3.0.1 <5.0.0',
  fixedUpstreamIn: null,
  targets: (pkg: PackageSnapshot) => tokenCacheFiles(pkg),
} as const satisfies FixMeta;

/**
 * The files a bundler or Node resolves for `@clerk/expo/token-cache`: every non-type target of
 * `exports["./token-cache"]`, and the legacy `token-cache/package.json` directory shim's `main`.
 */
function tokenCacheFiles(pkg: PackageSnapshot): string[] {
  const found = new Set<string>();
  const add = (v: unknown, base = '') => {
    if (typeof v !== 'string') return;
    const p = (base ? `${base}/${v}` : v)
      .split('/')
      .reduce<string[]>((acc, seg) => (seg === '..' ? acc.slice(0, -1) : seg === '.' || seg === '' ? acc : [...acc, seg]), [])
      .join('/');
    if (/\.(c|m)?js$/.test(p) && pkg.files.includes(p)) found.add(p);
  };
  const walk = (v: unknown, key?: string): void => {
    if (key === 'types') return;
    if (typeof v === 'string') add(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  const exp = pkg.packageJson.exports;
  if (exp && typeof exp === 'object' && !Array.isArray(exp)) walk((exp as Record<string, unknown>)['./token-cache']);
  const shim = pkg.files.includes('token-cache/package.json') ? pkg.read('token-cache/package.json') : undefined;
  if (shim) {
    try {
      add((JSON.parse(shim) as { main?: unknown }).main, 'token-cache');
    } catch {
      /* a broken shim resolves nothing */
    }
  }
  return [...found].sort();
}
