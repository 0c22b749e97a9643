import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import type { CheckReport, CheckRow } from '../../scripts/commands/check.ts';
import { appBin, CACHE_DIR, cleanEnv, cli, run, tarballDependency, tempApp, writeJson, type RunResult } from './helpers.ts';

/**
 * A real Expo SDK 54 app (the blank TypeScript template; expo, react-native and @clerk/expo from
 * the registry) with the packed clerk-expo-patches installed, and `expo prebuild --platform ios`
 * for real: the Swift bridge @clerk/expo's config plugin copies into ios/<App>/ is the patched one,
 * check classifies that copy on its own, and our config plugin stops a prebuild whose
 * node_modules was installed with --ignore-scripts. One install, reused by every step below (the
 * steps run in order and build on each other).
 */
const TEMPLATE = 'expo-template-blank-typescript@54.0.48';
const EXPO = '3.2.7';
const APP_NAME = 'CepApp';
const BRIDGE = 'ios/ClerkViewFactory.swift';
const IOS_COPY = `ios/${APP_NAME}/ClerkViewFactory.swift`;
const PREBUILD_ENV = cleanEnv({ CI: '1', EXPO_NO_TELEMETRY: '1', EXPO_OFFLINE: '1' });
const HANG_GUARD = 1_200_000;

const entry = readManifest().patches.find((p) => p.package === '@clerk/expo' && p.version === EXPO);
const bridge = entry?.files.find((f) => f.path === BRIDGE);
if (!entry || !bridge)
  throw new Error(`this e2e needs a shipped patch for @clerk/expo@${EXPO} touching ${BRIDGE}: run \`npm run patches\``);

const tarball = inject('cepTarball');
let dir: string;
const timings: string[] = [];
/** The published (unpatched) bytes of every file the patch touches, read after the first install. */
const pristine = new Map<string, Buffer>();

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const inExpo = (rel: string) => path.join(dir, 'node_modules', '@clerk', 'expo', ...rel.split('/'));
const said = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

async function timed(label: string, p: Promise<RunResult>, mustSucceed = true): Promise<RunResult> {
  const r = await p;
  const line = `e2e expo app: ${label}: ${(r.ms / 1000).toFixed(1)}s (exit ${r.status})`;
  timings.push(line);
  process.stderr.write(`${line}\n`);
  if (mustSucceed && r.status !== 0) throw new Error(`${label} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

const npmInstall = (label: string, ...extra: string[]) =>
  timed(label, run('npm', ['install', '--no-audit', '--no-fund', ...extra], dir, cleanEnv(), HANG_GUARD));
const prebuild = (label: string, mustSucceed = true) =>
  timed(
    label,
    run(appBin(dir, 'expo'), ['prebuild', '--platform', 'ios', '--no-install', '--clean'], dir, PREBUILD_ENV, HANG_GUARD),
    mustSucceed,
  );

function setPlugins(plugins: string[]) {
  const file = path.join(dir, 'app.json');
  const app = JSON.parse(fs.readFileSync(file, 'utf8')) as { expo: Record<string, unknown> };
  writeJson(file, { ...app, expo: { ...app.expo, plugins } });
}

async function checkJson(): Promise<{ status: number | null; report: CheckReport; stderr: string }> {
  const r = await cli(['check', '--json'], dir);
  try {
    return { status: r.status, report: JSON.parse(r.stdout) as CheckReport, stderr: r.stderr };
  } catch {
    throw new Error(`check --json did not print JSON on stdout (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

const row = (report: CheckReport, where: string): CheckRow => {
  const r = report.results.find((x) => x.path === where);
  if (!r) throw new Error(`check has no row for ${where}:\n${JSON.stringify(report.results, null, 2)}`);
  return r;
};

/** Position of the first match in `text`, or Infinity. */
const at = (text: string, re: RegExp) => {
  const m = re.exec(text);
  return m ? m.index : Infinity;
};

beforeAll(async () => {
  dir = tempApp('expo54');
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const packed = await run('npm', ['pack', TEMPLATE, '--json', '--pack-destination', CACHE_DIR], CACHE_DIR);
  if (packed.status !== 0) throw new Error(`npm pack ${TEMPLATE} failed:\n${packed.stderr}`);
  const filename = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string }>)[0]!.filename;
  const untar = await run('tar', ['xzf', path.join(CACHE_DIR, filename), '-C', dir, '--strip-components', '1'], dir);
  if (untar.status !== 0) throw new Error(`could not unpack ${filename}:\n${untar.stderr}`);

  const pjFile = path.join(dir, 'package.json');
  const pj = JSON.parse(fs.readFileSync(pjFile, 'utf8')) as Record<string, Record<string, string>>;
  writeJson(pjFile, {
    ...pj,
    name: 'cep-app',
    dependencies: {
      ...pj.dependencies,
      '@clerk/expo': EXPO,
      // Versions from expo/bundledNativeModules.json for SDK 54: what `npx expo install` picks.
      'expo-secure-store': '~15.0.8',
      'expo-web-browser': '~15.0.11',
      'expo-auth-session': '~7.0.11',
      'expo-crypto': '~15.0.9',
      'react-dom': pj.dependencies!.react!,
    },
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

  await npmInstall('npm install (expo 54 app + packed clerk-expo-patches)');
  for (const f of entry.files) {
    pristine.set(f.path, fs.readFileSync(inExpo(f.path)));
    expect(sha256(inExpo(f.path)), `${f.path} as published`).toBe(f.before);
  }
}, HANG_GUARD + 300_000);

// ~500 MB of node_modules: removed asynchronously, so vitest's worker RPC keeps ticking.
afterAll(async () => {
  process.stderr.write(`\n${timings.join('\n')}\n`);
  if (dir && process.env.CLERK_EXPO_PATCHES_KEEP_E2E !== '1') await fs.promises.rm(dir, { recursive: true, force: true });
}, 1_800_000);

describe(`Expo SDK 54 app, @clerk/expo ${EXPO}, expo prebuild --platform ios`, () => {
  it('prebuild while node_modules is unpatched: check calls the ios/ copy vulnerable and says to install before a prebuild', async () => {
    await prebuild('prebuild (without our plugin, node_modules unpatched)');
    expect(sha256(path.join(dir, IOS_COPY)), 'the published bridge was copied').toBe(bridge.before);
    const c = await checkJson();
    expect(c.status).toBe(1);
    const ios = row(c.report, IOS_COPY);
    expect(ios.status, JSON.stringify(ios)).not.toBe('patched');
    expect(ios.finding).toBe(true);
    // The copy is only fixed by a prebuild after the patch is applied: install (or sync) first, then prebuild.
    expect(ios.action).toMatch(/prebuild/);
    expect(at(ios.action, /sync|install|patch-package/), ios.action).toBeLessThan(at(ios.action, /prebuild/));
  });

  it('our config plugin stops prebuild when the wired patch was not applied (npm install --ignore-scripts), leaving ios/ untouched', async () => {
    setPlugins(['clerk-expo-patches', '@clerk/expo']);
    const s = await cli(['sync'], dir);
    expect(s.status, said(s)).toBe(0);
    await npmInstall('npm install --ignore-scripts (after sync)', '--ignore-scripts');
    expect(sha256(inExpo(BRIDGE)), 'node_modules still unpatched').toBe(bridge.before);
    const p = await prebuild('prebuild (our plugin, patch not applied)', false);
    expect(p.status).toBe(1);
    const out = said(p);
    expect(out).toContain(`@clerk/expo@${EXPO} (node_modules/@clerk/expo): not patched`);
    for (const id of entry.fixes) expect(out).toContain(id);
    expect(out).toContain('npx patch-package');
    expect(sha256(path.join(dir, IOS_COPY)), 'ios/ left as it was').toBe(bridge.before);
  });

  it('after a real install the postinstall applies the patch; prebuild copies the patched bridge; our plugin is silent; check says patched', async () => {
    await npmInstall('npm install (postinstall applies the patch)');
    for (const f of entry.files) expect(sha256(inExpo(f.path)), `${f.path} patched`).toBe(f.after);
    const p = await prebuild('prebuild (our plugin, patch applied)');
    expect(said(p)).not.toMatch(/clerk-expo-patches/);
    const copy = path.join(dir, IOS_COPY);
    expect(sha256(copy), 'the patched bridge was copied').toBe(bridge.after);
    expect(fs.readFileSync(copy).equals(fs.readFileSync(inExpo(BRIDGE)))).toBe(true);
    const c = await checkJson();
    expect(c.status, JSON.stringify(c.report.results, null, 2)).toBe(0);
    expect(row(c.report, 'node_modules/@clerk/expo').status).toBe('patched');
    expect(row(c.report, IOS_COPY).status).toBe('patched');
  });

  it('patched ios/ copy + pristine node_modules: check does not advise a prebuild that would overwrite the good copy; our plugin stops one', async () => {
    // node_modules as a restored cache or an --ignore-scripts install leaves it: the published files.
    for (const [f, bytes] of pristine) fs.writeFileSync(inExpo(f), bytes);
    const c = await checkJson();
    expect(c.status).toBe(1);
    expect(row(c.report, 'node_modules/@clerk/expo').status).toBe('vulnerable');
    const ios = row(c.report, IOS_COPY);
    expect(ios.status, JSON.stringify(ios)).toBe('patched');
    // It may warn against a prebuild; it must never tell the user to run one.
    expect(ios.action).not.toMatch(/`npx expo prebuild/);
    expect(ios.action).toMatch(/keep this copy/);
    const p = await prebuild('prebuild (our plugin, node_modules restored unpatched)', false);
    expect(p.status).toBe(1);
    expect(said(p)).toContain(`@clerk/expo@${EXPO}`);
    expect(sha256(path.join(dir, IOS_COPY)), 'the good copy survives').toBe(bridge.after);
  });
});
