import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Module interception for running @clerk/expo's CommonJS dist in Node the way Metro bundles it
 * for a device: `react-native`, `expo-*` and `react-native-url-polyfill/auto` resolve to
 * stand-ins of the simulated device; `@clerk/clerk-js` resolves through its "react-native"
 * export condition (dist/clerk.native.js), as Metro does. Everything else (react,
 * @clerk/react, @clerk/shared, base-64, tslib) is the real package from node_modules.
 */
type Resolve = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
interface ModuleInternals {
  _resolveFilename: Resolve;
  _cache: Record<string, { exports: unknown } | undefined>;
}
const M = Module as unknown as ModuleInternals;
const VIRTUAL = '/__clerk-expo-harness__/';
const requireHere = createRequire(import.meta.url);

/** Stand-ins by request name; replaced per JS launch. */
let standIns: Record<string, unknown> = {};
let original: Resolve | undefined;

function clerkJsNativeEntry(): string {
  // The package's "exports" hides package.json: find it above the default entry point.
  let dir = path.dirname(requireHere.resolve('@clerk/clerk-js'));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  const pkgJson = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { exports?: Record<string, Record<string, { default?: string } | string>>; 'react-native'?: string };
  const rn = pkg.exports?.['.']?.['react-native'];
  const rel = typeof rn === 'string' ? rn : rn?.default ?? pkg['react-native'];
  if (!rel) throw new Error('@clerk/clerk-js has no react-native entry point');
  return path.join(path.dirname(pkgJson), rel);
}

function virtualModule(request: string): string {
  const file = `${VIRTUAL}${request}.js`;
  const m = new Module(file) as Module & { loaded: boolean };
  m.filename = file;
  m.exports = standIns[request];
  m.loaded = true;
  M._cache[file] = m;
  return file;
}

export function installIntercept(): void {
  if (original) return;
  original = M._resolveFilename;
  const clerkJs = clerkJsNativeEntry();
  M._resolveFilename = function (request, parent, isMain, options) {
    if (request in standIns) return virtualModule(request);
    if (request === '@clerk/clerk-js') return clerkJs;
    return original!.call(this, request, parent, isMain, options);
  };
}

export function uninstallIntercept(): void {
  if (original) M._resolveFilename = original;
  original = undefined;
}

/** The stand-ins the next launch's `require`s get. */
export function setStandIns(next: Record<string, unknown>): void {
  standIns = next;
}

/**
 * A JS reload: forget every module of the app bundle (the @clerk/* packages, the @clerk/expo
 * dist, the stand-ins) so the next require evaluates them afresh. React itself is kept: the
 * renderer and the bundle must share one React.
 */
export function purgeAppModules(expoRoots: string[]): void {
  for (const key of Object.keys(M._cache)) {
    if (key.startsWith(VIRTUAL) || key.includes(`${path.sep}node_modules${path.sep}@clerk${path.sep}`) || expoRoots.some((r) => key.startsWith(r))) delete M._cache[key];
  }
}
