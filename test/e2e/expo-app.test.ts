import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BRIDGE_FILES } from '../../scripts/core/targets.ts';
import type { CheckReport, CheckRow } from '../../scripts/commands/check.ts';
import { describeLane, laneTitlePrefix, nodeRangesFor, recordLane, resolveExpoSdkLanes, type ExpoSdkLane } from './expo-sdk.ts';
import { registryNode, withNode } from './node-binary.ts';
import { appBin, CACHE_DIR, cleanEnv, cli, run, tarballDependency, tempApp, writeJson, type RunResult } from './helpers.ts';

/**
 * Real Expo apps (the blank TypeScript template; expo, react-native and @clerk/expo from the
 * registry) with the packed clerk-expo-patches installed, and `expo prebuild --platform ios` for
 * real, one app per Expo SDK that test/e2e/expo-sdk.ts resolves at run time (default: the newest
 * SDK the newest @clerk/expo accepts; CLERK_EXPO_PATCHES_EXPO_SDKS=oldest,newest or
 * `npm run compat:expo` for more). Each app runs the same steps, in order, on one install:
 * - with a @clerk/expo whose shipped patch touches the Swift bridge its config plugin copies into
 *   ios/<App>/ (3.1.x–3.4.x): that copy is the patched one, check classifies it on its own;
 * - with a @clerk/expo whose plugin copies no Swift file (3.5 and later: its ClerkExpo pod compiles
 *   the Swift from node_modules), no bridge copy appears in ios/ and check has no row for one;
 * - either way our config plugin stops a prebuild whose node_modules was installed with
 *   --ignore-scripts, and leaves ios/ as it was.
 */
const APP_NAME = 'CepApp';
const HANG_GUARD = 1_200_000;

const lanes = await resolveExpoSdkLanes();
const tarball = inject('cepTarball');

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const said = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

/** sha256 over every file's path and bytes under `dir`: "ios/ left as it was" for any layout. */
function treeHash(dir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) h.update(`${path.relative(dir, p)}\0`).update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** Position of the first match in `text`, or Infinity. */
const at = (text: string, re: RegExp) => {
  const m = re.exec(text);
  return m ? m.index : Infinity;
};

const row = (report: CheckReport, where: string): CheckRow => {
  const r = report.results.find((x) => x.path === where);
  if (!r) throw new Error(`check has no row for ${where}:\n${JSON.stringify(report.results, null, 2)}`);
  return r;
};

/** The steps every SDK's app runs; `lane` says which template, @clerk/expo and bridge. */
function expoApp(lane: ExpoSdkLane) {
  const { entry, clerkExpo: EXPO, bridge: BRIDGE } = lane;
  const bridge = BRIDGE ? entry.files.find((f) => f.path === BRIDGE) : undefined;
  const IOS_COPY = BRIDGE ? `ios/${APP_NAME}/${path.basename(BRIDGE)}` : undefined;
  let dir: string;
  const timings: Array<{ step: string; ms: number; status: number | null }> = [];
  /** The published (unpatched) bytes of every file the patch touches, read after the first install. */
  const pristine = new Map<string, Buffer>();
  const inExpo = (rel: string) => path.join(dir, 'node_modules', '@clerk', 'expo', ...rel.split('/'));
  const iosDir = () => path.join(dir, 'ios');
  /** The app's commands run with this environment: the suite's Node, or a registry Node first on PATH. */
  let env = cleanEnv();
  let nodeVersion = process.version;

  async function timed(label: string, p: Promise<RunResult>, mustSucceed = true): Promise<RunResult> {
    const r = await p;
    timings.push({ step: label, ms: r.ms, status: r.status });
    process.stderr.write(`e2e expo app (SDK ${lane.sdk}): ${label}: ${(r.ms / 1000).toFixed(1)}s (exit ${r.status})\n`);
    if (mustSucceed && r.status !== 0) throw new Error(`${label} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }
  const npmInstall = (label: string, ...extra: string[]) =>
    timed(label, run('npm', ['install', '--no-audit', '--no-fund', ...extra], dir, env, HANG_GUARD));
  const prebuild = (label: string, mustSucceed = true) =>
    timed(
      label,
      run(
        appBin(dir, 'expo'),
        ['prebuild', '--platform', 'ios', '--no-install', '--clean'],
        dir,
        { ...env, CI: '1', EXPO_NO_TELEMETRY: '1', EXPO_OFFLINE: '1' },
        HANG_GUARD,
      ),
      mustSucceed,
    );

  function setPlugins(plugins: string[]) {
    const file = path.join(dir, 'app.json');
    const app = JSON.parse(fs.readFileSync(file, 'utf8')) as { expo: Record<string, unknown> };
    writeJson(file, { ...app, expo: { ...app.expo, plugins } });
  }

  async function checkJson(): Promise<{ status: number | null; report: CheckReport; stderr: string }> {
    const r = await cli(['check', '--json'], dir, env);
    try {
      return { status: r.status, report: JSON.parse(r.stdout) as CheckReport, stderr: r.stderr };
    } catch {
      throw new Error(`check --json did not print JSON on stdout (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
  }

  /** The app-side copies of any Swift bridge: with a copying plugin, exactly IOS_COPY; otherwise none. */
  function bridgeCopies(): string[] {
    const out: string[] = [];
    if (!fs.existsSync(iosDir())) return out;
    for (const d of fs.readdirSync(iosDir(), { withFileTypes: true }))
      if (d.isDirectory())
        for (const f of BRIDGE_FILES)
          if (fs.existsSync(path.join(iosDir(), d.name, path.basename(f)))) out.push(`ios/${d.name}/${path.basename(f)}`);
    return out;
  }

  beforeAll(async () => {
    process.stderr.write(`${describeLane(lane)}\n`);
    const ranges = nodeRangesFor(lane);
    if (ranges) {
      const node = await registryNode(ranges);
      env = withNode(env, node);
      nodeVersion = `v${node.version}`;
      const v = await run('node', ['--version'], node.dir, env);
      expect(v.stdout.trim(), 'the app commands see the registry Node first on PATH').toBe(nodeVersion);
    }
    process.stderr.write(
      `  the app's commands run on Node ${nodeVersion}${ranges ? ` (registry binary for ${ranges.join(' and ')})` : ''}\n`,
    );
    dir = tempApp(`expo${lane.sdk}`);
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const packed = await run('npm', ['pack', lane.template, '--json', '--pack-destination', CACHE_DIR], CACHE_DIR);
    if (packed.status !== 0) throw new Error(`npm pack ${lane.template} failed:\n${packed.stderr}`);
    const filename = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string }>)[0]!.filename;
    const untar = await run('tar', ['xzf', path.join(CACHE_DIR, filename), '-C', dir, '--strip-components', '1'], dir);
    if (untar.status !== 0) throw new Error(`could not unpack ${filename}:\n${untar.stderr}`);

    const pjFile = path.join(dir, 'package.json');
    const pj = JSON.parse(fs.readFileSync(pjFile, 'utf8')) as Record<string, Record<string, string>>;
    writeJson(pjFile, {
      ...pj,
      name: 'cep-app',
      // The Expo modules at the versions this SDK bundles (expo's bundledNativeModules.json): what `npx expo install` picks.
      dependencies: { ...pj.dependencies, '@clerk/expo': EXPO, ...lane.companions },
      devDependencies: { ...pj.devDependencies, ...tarballDependency(tarball) },
    });
    const appJson = JSON.parse(fs.readFileSync(path.join(dir, 'app.json'), 'utf8')) as { expo: Record<string, Record<string, unknown>> };
    writeJson(path.join(dir, 'app.json'), {
      expo: {
        ...appJson.expo,
        name: APP_NAME,
        slug: 'cep-app',
        ios: { ...appJson.expo.ios, bundleIdentifier: 'com.example.cepapp' },
        android: { ...appJson.expo.android, package: 'com.example.cepapp' },
        plugins: ['@clerk/expo'],
      },
    });

    await npmInstall(`npm install (expo ${lane.sdk} app + packed clerk-expo-patches)`);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'expo', 'package.json'), 'utf8')).version).toBe(lane.expo);
    for (const f of entry.files) {
      pristine.set(f.path, fs.readFileSync(inExpo(f.path)));
      expect(sha256(inExpo(f.path)), `${f.path} as published`).toBe(f.before);
    }
  }, HANG_GUARD + 300_000);

  // ~500 MB of node_modules: removed asynchronously, so vitest's worker RPC keeps ticking.
  afterAll(async () => {
    process.stderr.write(`\n${timings.map((t) => `e2e expo app (SDK ${lane.sdk}): ${t.step}: ${(t.ms / 1000).toFixed(1)}s`).join('\n')}\n`);
    recordLane(lane, timings, nodeVersion);
    if (dir && process.env.CLERK_EXPO_PATCHES_KEEP_E2E !== '1') await fs.promises.rm(dir, { recursive: true, force: true });
  }, 1_800_000);

  it('prebuild while node_modules is unpatched: check reports @clerk/expo, and the ios/ bridge copy (when the plugin makes one) with install before prebuild', async () => {
    await prebuild('prebuild (without our plugin, node_modules unpatched)');
    const c = await checkJson();
    expect(c.status).toBe(1);
    expect(row(c.report, 'node_modules/@clerk/expo').status).toBe('vulnerable');
    if (bridge && IOS_COPY) {
      expect(bridgeCopies()).toEqual([IOS_COPY]);
      expect(sha256(path.join(dir, IOS_COPY)), 'the published bridge was copied').toBe(bridge.before);
      const ios = row(c.report, IOS_COPY);
      expect(ios.status, JSON.stringify(ios)).not.toBe('patched');
      expect(ios.finding).toBe(true);
      // The copy is only fixed by a prebuild after the patch is applied: install (or sync) first, then prebuild.
      expect(ios.action).toMatch(/prebuild/);
      expect(at(ios.action, /sync|install|patch-package/), ios.action).toBeLessThan(at(ios.action, /prebuild/));
    } else {
      // The plugin copies no Swift file: the ClerkExpo pod compiles the bridge from node_modules itself.
      expect(fs.existsSync(path.join(iosDir(), APP_NAME)), 'prebuild wrote the app target').toBe(true);
      expect(bridgeCopies()).toEqual([]);
      expect(c.report.results.filter((r) => r.kind === 'ios-copy')).toEqual([]);
      const podspec = fs.readFileSync(inExpo('ios/ClerkExpo.podspec'), 'utf8');
      expect(podspec).toMatch(/source_files\s*=[^]*"ClerkNativeBridge\.swift"/);
    }
  });

  it('our config plugin stops prebuild when the wired patch was not applied (npm install --ignore-scripts), leaving ios/ untouched', async () => {
    setPlugins(['clerk-expo-patches', '@clerk/expo']);
    const s = await cli(['sync'], dir, env);
    expect(s.status, said(s)).toBe(0);
    await npmInstall('npm install --ignore-scripts (after sync)', '--ignore-scripts');
    for (const f of entry.files) expect(sha256(inExpo(f.path)), `${f.path} still unpatched`).toBe(f.before);
    const ios = treeHash(iosDir());
    const p = await prebuild('prebuild (our plugin, patch not applied)', false);
    expect(p.status).toBe(1);
    const out = said(p);
    expect(out).toContain(`@clerk/expo@${EXPO} (node_modules/@clerk/expo): not patched`);
    for (const id of entry.fixes) expect(out).toContain(id);
    expect(out).toContain('npx patch-package');
    expect(treeHash(iosDir()), 'ios/ left as it was').toBe(ios);
    if (bridge && IOS_COPY) expect(sha256(path.join(dir, IOS_COPY))).toBe(bridge.before);
  });

  it('after a real install the postinstall applies the patch; prebuild succeeds (copying the patched bridge when the plugin copies one); our plugin is silent; check says patched', async () => {
    await npmInstall('npm install (postinstall applies the patch)');
    for (const f of entry.files) expect(sha256(inExpo(f.path)), `${f.path} patched`).toBe(f.after);
    const p = await prebuild('prebuild (our plugin, patch applied)');
    expect(said(p)).not.toMatch(/clerk-expo-patches/);
    const c = await checkJson();
    expect(c.status, JSON.stringify(c.report.results, null, 2)).toBe(0);
    expect(row(c.report, 'node_modules/@clerk/expo').status).toBe('patched');
    if (bridge && IOS_COPY && BRIDGE) {
      const copy = path.join(dir, IOS_COPY);
      expect(sha256(copy), 'the patched bridge was copied').toBe(bridge.after);
      expect(fs.readFileSync(copy).equals(fs.readFileSync(inExpo(BRIDGE)))).toBe(true);
      expect(row(c.report, IOS_COPY).status).toBe('patched');
    } else {
      expect(bridgeCopies()).toEqual([]);
      expect(c.report.results.filter((r) => r.kind === 'ios-copy')).toEqual([]);
    }
  });

  it('node_modules restored unpatched after a good prebuild: check reports it, our plugin stops the next prebuild, ios/ keeps what it had', async () => {
    // node_modules as a restored cache or an --ignore-scripts install leaves it: the published files.
    for (const [f, bytes] of pristine) fs.writeFileSync(inExpo(f), bytes);
    const c = await checkJson();
    expect(c.status).toBe(1);
    expect(row(c.report, 'node_modules/@clerk/expo').status).toBe('vulnerable');
    if (bridge && IOS_COPY) {
      const ios = row(c.report, IOS_COPY);
      expect(ios.status, JSON.stringify(ios)).toBe('patched');
      // It may warn against a prebuild; it must never tell the user to run one (it would overwrite the good copy).
      expect(ios.action).not.toMatch(/`npx expo prebuild/);
      expect(ios.action).toMatch(/keep this copy/);
    }
    const before = treeHash(iosDir());
    const p = await prebuild('prebuild (our plugin, node_modules restored unpatched)', false);
    expect(p.status).toBe(1);
    expect(said(p)).toContain(`@clerk/expo@${EXPO}`);
    expect(treeHash(iosDir()), 'ios/ left as it was').toBe(before);
    if (bridge && IOS_COPY) expect(sha256(path.join(dir, IOS_COPY)), 'the good copy survives').toBe(bridge.after);
  });
}

for (const lane of lanes)
  describe(`${laneTitlePrefix(lane)}${lane.bridge ? ` (${lane.bridge})` : ', no Swift bridge copy'}, expo prebuild --platform ios`, () =>
    expoApp(lane));
