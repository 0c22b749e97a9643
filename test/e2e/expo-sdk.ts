import fs from 'node:fs';
import path from 'node:path';
import pacote from 'pacote';
import semver from 'semver';
import { BRIDGE_FILES } from '../../scripts/core/targets.ts';
import { config } from '../../scripts/infra/config.ts';
import { readManifest, type ManifestEntry } from '../../scripts/patch-file/manifest.ts';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';

/**
 * Which Expo SDK apps the real-app e2e (test/e2e/expo-app.test.ts) builds, resolved from the
 * registry at run time: the SDK majors the newest @clerk/expo accepts (its `expo` peer range),
 * the newest blank TypeScript template of each, the @clerk/expo version that SDK takes, and the
 * Expo modules @clerk/expo needs at the versions that SDK bundles.
 *
 * CLERK_EXPO_PATCHES_EXPO_SDKS picks the apps: a comma list of `newest`, `oldest`, `all` or SDK
 * majors (`54,57`); `54@3.2.7` pins the @clerk/expo version of that app. Default: `newest` (the
 * one app `npm test` and CI build); `npm run compat:expo` builds `oldest,newest`.
 */
export const EXPO_SDKS_ENV = 'CLERK_EXPO_PATCHES_EXPO_SDKS';
export const TEMPLATE_PACKAGE = 'expo-template-blank-typescript';

/** The Expo modules @clerk/expo's peers name that an app installs with `npx expo install`. */
const COMPANIONS = ['expo-secure-store', 'expo-web-browser', 'expo-auth-session', 'expo-crypto'] as const;

export interface ExpoSdkLane {
  sdk: number;
  /** expo-template-blank-typescript@57.0.28 */
  template: string;
  /** The exact expo version the template's range resolves to on the registry today. */
  expo: string;
  /** react-native from the template (exact). */
  reactNative: string;
  clerkExpo: string;
  /** @clerk/expo's `expo` peer range, from its published package.json. */
  clerkExpoPeer: string;
  /** The shipped patch for clerkExpo. */
  entry: ManifestEntry;
  /** The package-relative Swift bridge the patch touches, or undefined (why in noBridge). */
  bridge: string | undefined;
  noBridge: string | undefined;
  /** name → range written to the app's dependencies (react-dom: the template's react). */
  companions: Record<string, string>;
  /** Where a companion could not take expo's bundledNativeModules.json range, what it took instead. */
  notes: string[];
  /** engines.node of expo and react-native at the resolved versions (the ones they declare). */
  nodeEngines: string[];
}

interface Packument {
  'dist-tags': Record<string, string>;
  versions: Record<
    string,
    {
      version: string;
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      engines?: Record<string, string>;
    }
  >;
}

const packuments = new Map<string, Promise<Packument>>();
function packument(name: string): Promise<Packument> {
  let p = packuments.get(name);
  if (!p) {
    // The same disk cache and registry as every other registry read (CLERK_EXPO_PATCHES_OFFLINE=1: the cache alone).
    p = pacote.packument(name, {
      cache: path.join(config().cacheDir, 'pacote'),
      registry: config().registry,
      offline: config().offline,
      fullMetadata: false,
    }) as unknown as Promise<Packument>;
    packuments.set(name, p);
  }
  return p;
}

const stable = (doc: Packument): string[] =>
  Object.keys(doc.versions)
    .filter((v) => semver.valid(v) && !semver.prerelease(v))
    .sort(semver.compare);

/** The SDK majors the newest @clerk/expo accepts that have a published blank TypeScript template. */
export async function supportedSdks(): Promise<{ clerkExpo: string; peer: string; sdks: number[] }> {
  const clerk = await packument('@clerk/expo');
  const clerkExpo = clerk['dist-tags'].latest!;
  const peer = clerk.versions[clerkExpo]?.peerDependencies?.expo;
  if (!peer) throw new Error(`@clerk/expo@${clerkExpo} declares no expo peer range: the supported SDKs cannot be resolved`);
  const majors = new Set(stable(await packument(TEMPLATE_PACKAGE)).map((v) => semver.major(v)));
  const sdks = [...majors].filter((m) => semver.satisfies(`${m}.0.0`, peer)).sort((a, b) => a - b);
  if (sdks.length === 0) throw new Error(`no ${TEMPLATE_PACKAGE} major satisfies @clerk/expo@${clerkExpo}'s expo peer range ${peer}`);
  return { clerkExpo, peer, sdks };
}

interface Wanted {
  sdk: number;
  clerkExpo?: string;
}

/** Parses CLERK_EXPO_PATCHES_EXPO_SDKS against the supported SDKs; unknown words stop the run with the accepted ones. */
export function parseSdkSelection(text: string | undefined, sdks: number[]): Wanted[] {
  const out: Wanted[] = [];
  const add = (w: Wanted) => {
    if (!out.some((o) => o.sdk === w.sdk && o.clerkExpo === w.clerkExpo)) out.push(w);
  };
  for (const raw of (text?.trim() || 'newest').split(',')) {
    const item = raw.trim();
    const [what, pin] = item.split('@') as [string, string | undefined];
    if (pin !== undefined && !semver.valid(pin))
      throw new Error(`${EXPO_SDKS_ENV}: "${item}" pins "${pin}", which is not an exact @clerk/expo version (e.g. 54@3.2.7)`);
    if (what === 'all') for (const sdk of sdks) add({ sdk });
    else if (what === 'newest') add({ sdk: sdks.at(-1)!, clerkExpo: pin });
    else if (what === 'oldest') add({ sdk: sdks[0]!, clerkExpo: pin });
    else if (/^\d+$/.test(what) && sdks.includes(Number(what))) add({ sdk: Number(what), clerkExpo: pin });
    else
      throw new Error(
        `${EXPO_SDKS_ENV}: "${item}" is not one of newest, oldest, all or a supported SDK major (${sdks.join(', ')}), optionally with @<@clerk/expo version>`,
      );
  }
  return out;
}

/** bundledNativeModules.json of expo@version: what `npx expo install` picks for that SDK. */
async function bundledNativeModules(expo: string): Promise<Record<string, string>> {
  const snap = await fetchPackage('expo', expo);
  const text = snap.read('bundledNativeModules.json');
  if (!text) throw new Error(`expo@${expo} has no bundledNativeModules.json`);
  return JSON.parse(text) as Record<string, string>;
}

/**
 * The range an app writes for a companion module: expo's bundled range when the registry serves a
 * version in it; otherwise (the registry lags the SDK's list) `~` the newest published version of
 * the same major not above the range's floor, with a note. Undefined when neither exists.
 */
export function companionRange(
  name: string,
  versions: string[],
  bundled: string | undefined,
): { range: string; note?: string } | undefined {
  if (bundled && semver.maxSatisfying(versions, bundled)) return { range: bundled };
  const floor = bundled ? semver.minVersion(bundled) : null;
  const pick = versions
    .filter((v) => semver.valid(v) && !semver.prerelease(v))
    .filter((v) => !floor || (semver.major(v) === semver.major(floor) && semver.lte(v, floor)))
    .sort(semver.compare)
    .at(-1);
  if (!pick) return undefined;
  return {
    range: `~${pick}`,
    note: `${name}: bundledNativeModules.json says ${bundled ?? '(nothing)'}, the registry serves no such version; took ~${pick}`,
  };
}

const touchesBridge = (e: ManifestEntry): string | undefined =>
  e.files.map((f) => f.path).find((p) => (BRIDGE_FILES as readonly string[]).includes(p));

/**
 * The @clerk/expo version an app on `expo` runs: `pinned` when given (it must have a shipped patch
 * and accept that expo); else the newest version with a shipped patch that touches a Swift bridge
 * and whose expo peer range admits `expo`; else (no such version) the newest version with any
 * shipped patch that admits it, with the reason there is no bridge to check.
 */
export function pickClerkExpo(
  patches: ManifestEntry[],
  peerOf: (version: string) => string | undefined,
  expo: string,
  pinned?: string,
): { entry: ManifestEntry; bridge: string | undefined; noBridge: string | undefined } {
  const takes = (v: string) => {
    const peer = peerOf(v);
    return peer !== undefined && semver.satisfies(expo, peer);
  };
  const entries = patches.filter((e) => e.package === '@clerk/expo').sort((a, b) => semver.compare(a.version, b.version));
  const swift = entries.filter((e) => touchesBridge(e));
  let entry: ManifestEntry | undefined;
  let noBridge: string | undefined;
  if (pinned) {
    entry = entries.find((e) => e.version === pinned);
    if (!entry) throw new Error(`${EXPO_SDKS_ENV}: no shipped patch for @clerk/expo@${pinned} (patches/manifest.json)`);
    if (!takes(pinned))
      throw new Error(`${EXPO_SDKS_ENV}: @clerk/expo@${pinned} declares expo ${peerOf(pinned)}, which excludes expo ${expo}`);
  } else {
    entry = swift.filter((e) => takes(e.version)).at(-1);
    if (!entry) {
      entry = entries.filter((e) => takes(e.version)).at(-1);
      if (!entry) throw new Error(`no @clerk/expo version with a shipped patch accepts expo ${expo}`);
      const last = swift.at(-1);
      noBridge = last
        ? `no @clerk/expo with a shipped Swift fix accepts expo ${expo}: the Swift fixes ship for ${swift[0]!.version}–${last.version}, and @clerk/expo@${last.version} declares expo ${peerOf(last.version)}`
        : 'no shipped patch touches a Swift bridge';
    }
  }
  const bridge = touchesBridge(entry);
  if (!bridge && !noBridge) noBridge = `the shipped patch for @clerk/expo@${entry.version} touches no Swift bridge`;
  return { entry, bridge, noBridge };
}

async function resolveLane(w: Wanted): Promise<ExpoSdkLane> {
  const templates = stable(await packument(TEMPLATE_PACKAGE)).filter((v) => semver.major(v) === w.sdk);
  const templateVersion = templates.at(-1)!;
  const tpl = (await packument(TEMPLATE_PACKAGE)).versions[templateVersion]!;
  const expoRange = tpl.dependencies?.expo;
  const reactNative = tpl.dependencies?.['react-native'];
  const react = tpl.dependencies?.react;
  if (!expoRange || !reactNative || !react)
    throw new Error(`${TEMPLATE_PACKAGE}@${templateVersion} does not list expo, react and react-native in its dependencies`);
  const expoDoc = await packument('expo');
  const expo = semver.maxSatisfying(stable(expoDoc), expoRange);
  if (!expo) throw new Error(`no published expo satisfies ${TEMPLATE_PACKAGE}@${templateVersion}'s ${expoRange}`);

  const clerk = await packument('@clerk/expo');
  const peerOf = (v: string) => clerk.versions[v]?.peerDependencies?.expo;
  const { entry, bridge, noBridge } = pickClerkExpo(readManifest().patches, peerOf, expo, w.clerkExpo);

  const notes: string[] = [];
  const bundled = await bundledNativeModules(expo);
  const companions: Record<string, string> = { 'react-dom': react };
  for (const name of COMPANIONS) {
    const c = companionRange(name, stable(await packument(name)), bundled[name]);
    if (!c)
      throw new Error(`${name}: no published version fits expo ${expo}'s bundledNativeModules.json range ${bundled[name] ?? '(none)'}`);
    companions[name] = c.range;
    if (c.note) notes.push(c.note);
  }

  const rnDoc = await packument('react-native');
  const rn = semver.maxSatisfying(stable(rnDoc), reactNative);
  const nodeEngines = [expoDoc.versions[expo]?.engines?.node, rn ? rnDoc.versions[rn]?.engines?.node : undefined].filter(
    (x): x is string => !!x,
  );

  return {
    sdk: w.sdk,
    template: `${TEMPLATE_PACKAGE}@${templateVersion}`,
    expo,
    reactNative,
    clerkExpo: entry.version,
    clerkExpoPeer: peerOf(entry.version)!,
    entry,
    bridge,
    noBridge,
    companions,
    notes,
    nodeEngines,
  };
}

/** The apps to build for CLERK_EXPO_PATCHES_EXPO_SDKS (or `selection`), resolved from the registry. */
export async function resolveExpoSdkLanes(selection = process.env[EXPO_SDKS_ENV]): Promise<ExpoSdkLane[]> {
  const { sdks } = await supportedSdks();
  const lanes: ExpoSdkLane[] = [];
  for (const w of parseSdkSelection(selection, sdks)) lanes.push(await resolveLane(w));
  return lanes;
}

/** One line per lane for the test output: what was resolved, so a run can be reproduced. */
export function describeLane(l: ExpoSdkLane): string {
  const nodeOk = nodeMeetsEngines(l);
  return [
    `Expo SDK ${l.sdk}: ${l.template}, expo@${l.expo}, react-native@${l.reactNative}, @clerk/expo@${l.clerkExpo} (expo peer ${l.clerkExpoPeer})`,
    `  Swift bridge: ${l.bridge ?? `none (${l.noBridge})`}`,
    `  companions: ${Object.entries(l.companions)
      .map(([n, r]) => `${n}@${r}`)
      .join(', ')}`,
    ...l.notes.map((n) => `  note: ${n}`),
    `  Node engines (expo, react-native): ${l.nodeEngines.join(' and ') || 'none declared'} (${process.version}${nodeOk ? ' satisfies them' : ' does not satisfy them'})`,
  ].join('\n');
}

/** Whether the Node running the suite satisfies the engines expo and react-native declare for this SDK. */
export const nodeMeetsEngines = (l: Pick<ExpoSdkLane, 'nodeEngines'>, version = process.version): boolean =>
  l.nodeEngines.every((r) => semver.satisfies(version, r));

/**
 * CLERK_EXPO_PATCHES_EXPO_NODE=<range> (e.g. 22, ^24): run the apps' commands (npm, expo, the
 * CLI) on the newest registry Node in that range. Without it they run on the suite's Node, or,
 * when expo's or react-native's engines exclude that, on the newest registry Node they accept.
 */
export const EXPO_NODE_ENV = 'CLERK_EXPO_PATCHES_EXPO_NODE';

/** The Node ranges an app's commands must run on, or undefined for the suite's own Node. */
export function nodeRangesFor(l: Pick<ExpoSdkLane, 'nodeEngines'>, forced = process.env[EXPO_NODE_ENV]): string[] | undefined {
  if (forced?.trim()) {
    if (!semver.validRange(forced)) throw new Error(`${EXPO_NODE_ENV}: "${forced}" is not a version range (e.g. 22 or ^24.3.0)`);
    return [forced.trim(), ...l.nodeEngines];
  }
  return nodeMeetsEngines(l) ? undefined : l.nodeEngines;
}

/** CLERK_EXPO_PATCHES_EXPO_REPORT=<file>: each app appends what it resolved and how long each step took (JSON). */
export const EXPO_REPORT_ENV = 'CLERK_EXPO_PATCHES_EXPO_REPORT';

export interface ExpoSdkLaneReport {
  sdk: number;
  template: string;
  expo: string;
  reactNative: string;
  clerkExpo: string;
  bridge: string | null;
  noBridge: string | null;
  notes: string[];
  /** The Node the app's commands ran on. */
  node: string;
  steps: Array<{ step: string; ms: number; status: number | null }>;
}

export function recordLane(l: ExpoSdkLane, steps: ExpoSdkLaneReport['steps'], node: string, file = process.env[EXPO_REPORT_ENV]): void {
  if (!file) return;
  let all: ExpoSdkLaneReport[] = [];
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8')) as ExpoSdkLaneReport[];
  } catch {
    // First app of the run (or an unreadable file): start a new list.
  }
  all.push({
    sdk: l.sdk,
    template: l.template,
    expo: l.expo,
    reactNative: l.reactNative,
    clerkExpo: l.clerkExpo,
    bridge: l.bridge ?? null,
    noBridge: l.noBridge ?? null,
    notes: l.notes,
    node,
    steps,
  });
  fs.writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

/** The start of each app's describe() title in expo-app.test.ts: `npm run compat:expo` matches an app's tests by it. */
export const laneTitlePrefix = (l: { sdk: number; template: string; clerkExpo: string }): string =>
  `Expo SDK ${l.sdk} app (${l.template}), @clerk/expo ${l.clerkExpo}`;
