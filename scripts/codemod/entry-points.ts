import type { PackageSnapshot } from '../core/fix.ts';

/**
 * The JS files a React Native, Node or bundler resolver can load for a package: every
 * `exports` condition target (except type declarations), `main`, `module`, `react-native`
 * and a string `browser` field — those that exist in the package.
 */
export function jsEntryPoints(pkg: PackageSnapshot): string[] {
  const found = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v !== 'string') return;
    const p = v.replace(/^\.\//, '');
    if (/\.(c|m)?js$/.test(p) && pkg.files.includes(p)) found.add(p);
  };
  const walk = (v: unknown, key?: string) => {
    if (key === 'types') return;
    if (typeof v === 'string') add(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  const pj = pkg.packageJson;
  walk(pj.exports);
  for (const field of ['main', 'module', 'react-native', 'browser']) add(pj[field]);
  return [...found].sort();
}
