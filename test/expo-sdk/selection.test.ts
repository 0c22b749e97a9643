import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { BRIDGE_FILES } from '../../scripts/core/targets.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { companionRange, nodeMeetsEngines, nodeRangesFor, parseSdkSelection, pickClerkExpo } from '../e2e/expo-sdk.ts';

/**
 * How the real-app e2e (test/e2e/expo-app.test.ts) picks its apps: the SDK selection, the
 * @clerk/expo version per SDK from the shipped patches, and the companion modules' ranges. The
 * registry answers are inputs here; the e2e resolves them live and records them.
 */
describe('CLERK_EXPO_PATCHES_EXPO_SDKS', () => {
  const sdks = [54, 55, 56, 57];
  it('defaults to the newest supported SDK alone', () => {
    expect(parseSdkSelection(undefined, sdks)).toEqual([{ sdk: 57, clerkExpo: undefined }]);
    expect(parseSdkSelection('  ', sdks)).toEqual([{ sdk: 57, clerkExpo: undefined }]);
  });
  it('takes oldest, newest, all and majors, once each, with an optional @clerk/expo pin', () => {
    expect(parseSdkSelection('oldest,newest', sdks).map((w) => w.sdk)).toEqual([54, 57]);
    expect(parseSdkSelection('all,57', sdks).map((w) => w.sdk)).toEqual([54, 55, 56, 57]);
    expect(parseSdkSelection('54@3.2.7, 56', sdks)).toEqual([
      { sdk: 54, clerkExpo: '3.2.7' },
      { sdk: 56, clerkExpo: undefined },
    ]);
    expect(parseSdkSelection('oldest,54@3.2.7', sdks)).toHaveLength(2);
  });
  it('refuses an SDK outside the supported ones, an unknown word and a pin that is not a version', () => {
    expect(() => parseSdkSelection('53', sdks)).toThrow(/54, 55, 56, 57/);
    expect(() => parseSdkSelection('latest', sdks)).toThrow(/newest, oldest, all/);
    expect(() => parseSdkSelection('54@3.2', sdks)).toThrow(/exact @clerk\/expo version/);
  });
});

describe('the @clerk/expo version an SDK app runs', () => {
  const patches = readManifest().patches;
  const expoEntries = patches.filter((e) => e.package === '@clerk/expo').sort((a, b) => semver.compare(a.version, b.version));
  const swift = expoEntries.filter((e) => e.files.some((f) => (BRIDGE_FILES as readonly string[]).includes(f.path)));
  // Peer ranges of the shape @clerk/expo publishes: the Swift-fixed versions stop before expo 57.
  const lastSwift = swift.at(-1)!.version;
  const peerOf = (v: string) => (semver.lte(v, lastSwift) ? '>=53 <57' : '>=54 <58');

  it('prefers the newest version whose shipped patch touches a Swift bridge and whose peer range takes the SDK', () => {
    const p = pickClerkExpo(patches, peerOf, '54.0.38');
    expect(p.entry.version).toBe(lastSwift);
    expect(BRIDGE_FILES as readonly string[]).toContain(p.bridge);
    expect(p.noBridge).toBeUndefined();
  });
  it('falls back to the newest patched version the SDK takes, and says why there is no bridge', () => {
    const p = pickClerkExpo(patches, peerOf, '57.0.33');
    expect(p.entry.version).toBe(expoEntries.at(-1)!.version);
    expect(p.bridge).toBeUndefined();
    expect(p.noBridge).toContain(`@clerk/expo@${lastSwift} declares expo >=53 <57`);
  });
  it('honours a pin, and refuses one without a shipped patch or outside its peer range', () => {
    const pinned = swift[0]!.version;
    expect(pickClerkExpo(patches, peerOf, '54.0.38', pinned).entry.version).toBe(pinned);
    expect(() => pickClerkExpo(patches, peerOf, '57.0.33', pinned)).toThrow(/excludes expo 57.0.33/);
    expect(() => pickClerkExpo(patches, peerOf, '54.0.38', '0.0.1')).toThrow(/no shipped patch/);
  });
  it('refuses an expo no patched version accepts', () => {
    expect(() => pickClerkExpo(patches, () => '>=54 <58', '58.0.0')).toThrow(/accepts expo 58.0.0/);
  });
});

describe('companion module ranges', () => {
  const versions = ['57.0.1', '57.0.3', '57.1.0-canary', '58.0.2'];
  it("keeps expo's bundled range when the registry serves a version in it", () => {
    expect(companionRange('expo-crypto', versions, '~57.0.1')).toEqual({ range: '~57.0.1' });
  });
  it('takes the newest version of the same major below the floor when the registry lags, with a note', () => {
    const c = companionRange('expo-crypto', versions, '~57.0.4');
    expect(c?.range).toBe('~57.0.3');
    expect(c?.note).toMatch(/expo-crypto: bundledNativeModules.json says ~57.0.4/);
  });
  it('gives up when nothing of that major is published', () => {
    expect(companionRange('expo-crypto', versions, '~59.0.0')).toBeUndefined();
  });
});

describe('Node engines', () => {
  it('every declared range must admit the running Node', () => {
    expect(nodeMeetsEngines({ nodeEngines: [] }, 'v20.20.2')).toBe(true);
    expect(nodeMeetsEngines({ nodeEngines: ['>= 20.19.4', '^20.19.4 || ^22.13.0'] }, 'v20.20.2')).toBe(true);
    expect(nodeMeetsEngines({ nodeEngines: ['^22.13.0 || ^24.3.0', '>= 20.19.4'] }, 'v20.20.2')).toBe(false);
  });
  it('a registry Node is asked for when forced, or when the engines exclude the running Node', () => {
    const engines = ['^22.13.0 || ^24.3.0'];
    expect(nodeRangesFor({ nodeEngines: [] }, undefined)).toBeUndefined();
    expect(nodeRangesFor({ nodeEngines: ['>=0.10'] }, '22')).toEqual(['22', '>=0.10']);
    expect(nodeRangesFor({ nodeEngines: engines }, '')).toEqual(semver.satisfies(process.version, engines[0]!) ? undefined : engines);
    expect(() => nodeRangesFor({ nodeEngines: [] }, 'twenty-two')).toThrow(/not a version range/);
  });
});
