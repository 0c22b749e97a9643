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

/** Stand-ins by request name; replaced per JS launch. */
let standIns: Record<string, unknown> = {};
let original: Resolve | undefined;
/** Where `@clerk/clerk-js` resolves for the current app (its react-native build). */
let clerkJs: string | undefined;

/** The react-native entry of the @clerk/clerk-js that `appRoot` (a package directory) resolves. */
function clerkJsNativeEntry(appRoot: string): string {
  const requireHere = createRequire(path.join(appRoot, 'package.json'));
  // The package's "exports" hides package.json: find it above the default entry point.
  let dir = path.dirname(requireHere.resolve('@clerk/clerk-js'));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  const pkgJson = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as {
    exports?: Record<string, Record<string, { default?: string } | string>>;
    'react-native'?: string;
  };
  const rel = conditionTarget(pkg.exports?.['.']?.['react-native']) ?? pkg['react-native'];
  if (!rel) throw new Error('@clerk/clerk-js has no react-native entry point');
  return path.join(path.dirname(pkgJson), rel);
}

/** A conditional export's target for CommonJS `require` (a string, or nested conditions). */
function conditionTarget(e: unknown): string | undefined {
  if (typeof e === 'string') return e;
  if (!e || typeof e !== 'object') return undefined;
  const o = e as Record<string, unknown>;
  for (const k of ['require', 'node', 'default']) {
    const t = conditionTarget(o[k]);
    if (t) return t;
  }
  return undefined;
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

/**
 * Metro's platform extensions: inside the @clerk/expo dist, `./x` resolves to `x.<platform>.js`,
 * then `x.native.js`, then `x.js` (e.g. dist/specs/NativeClerkModule.android.js on Android).
 */
function platformVariant(request: string, parent: unknown): string | undefined {
  const from = (parent as { filename?: string } | undefined)?.filename;
  if (!platform || !appRoot || !from || !from.startsWith(appRoot) || !request.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), request.replace(/\.js$/, ''));
  for (const ext of [`.${platform}.js`, '.native.js']) if (fs.existsSync(base + ext)) return base + ext;
  return undefined;
}
let platform: string | undefined;
let appRoot: string | undefined;

/** Installs the hook (once) and points `@clerk/clerk-js` at the build `root` resolves. */
export function installIntercept(root: string, os?: 'ios' | 'android'): void {
  clerkJs = clerkJsNativeEntry(root);
  appRoot = root + path.sep;
  platform = os;
  if (original) return;
  original = M._resolveFilename;
  M._resolveFilename = function (request, parent, isMain, options) {
    if (request in standIns) return virtualModule(request);
    if (request === '@clerk/clerk-js' && clerkJs) return clerkJs;
    const variant = platformVariant(request, parent);
    if (variant) return variant;
    return original!.call(this, request, parent, isMain, options);
  };
}

export function uninstallIntercept(): void {
  if (original) M._resolveFilename = original;
  original = undefined;
  clerkJs = undefined;
}

/** The stand-ins the next launch's `require`s get. */
export function setStandIns(next: Record<string, unknown>): void {
  standIns = next;
}

/** Packages the renderer shares with the app bundle (one React for both): kept across JS reloads. */
const RENDERER_PACKAGES = ['react', 'react-dom', 'react-test-renderer', 'scheduler', 'react-is'];
const nm = `${path.sep}node_modules${path.sep}`;
const isRendererModule = (key: string): boolean => {
  const at = key.lastIndexOf(nm);
  if (at === -1) return false;
  const rest = key.slice(at + nm.length).split(path.sep);
  const name = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  return RENDERER_PACKAGES.includes(name);
};

/**
 * A JS reload: forget every module of the app bundle — the @clerk/expo dist and everything its
 * dependency set (`appRoots`: the set's directory and the dist's) loaded, @clerk/* and third-party
 * alike (@tanstack/query-core, dequal, base-64… keep module-level state), and the stand-ins — so
 * the next require evaluates them afresh, as a new JS runtime does. Only React and the renderer
 * are kept: the renderer and the bundle must share one React.
 */
export function purgeAppModules(appRoots: string[]): void {
  for (const key of Object.keys(M._cache)) {
    if (
      key.startsWith(VIRTUAL) ||
      key.includes(`${path.sep}node_modules${path.sep}@clerk${path.sep}`) ||
      (appRoots.some((r) => key.startsWith(r + path.sep)) && !isRendererModule(key))
    )
      delete M._cache[key];
  }
}

let globalsBefore: Set<PropertyKey> | undefined;
/** Globals the device itself installs at launch (device.ts `launch`, e.g. the scenario's `navigator`): not the bundle's. */
const HARNESS_GLOBALS = ['window', 'IS_REACT_ACT_ENVIRONMENT', 'navigator'];

/**
 * A JS reload's fresh global object: every global the previous bundle added (clerk-js's
 * `__clerkSharedModules`, its chunk array `rspackChunk_clerk_clerk_js`, `__BUILD_DISABLE_RHC__`…) is
 * removed, then the globals as they are now are remembered for the next launch. Call it before the
 * bundle is evaluated; symbols (Node's own lazily created ones) are left alone.
 */
export function resetAppGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  if (globalsBefore)
    for (const key of Reflect.ownKeys(globalThis))
      if (
        typeof key === 'string' &&
        !globalsBefore.has(key) &&
        !HARNESS_GLOBALS.includes(key) &&
        Object.getOwnPropertyDescriptor(globalThis, key)?.configurable
      )
        delete g[key];
  globalsBefore = new Set(Reflect.ownKeys(globalThis));
}
