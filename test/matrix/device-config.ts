import fs from 'node:fs';
import semver from 'semver';
import { FIXES } from '../../scripts/fixes/index.ts';
import { MANIFEST } from '../../scripts/infra/paths.ts';
import type { DeviceOptions } from '../harness/expo/device.ts';
import type { Variant } from '../harness/expo/expo-dist.ts';
import { bridgeFor } from '../harness/expo/native-module.ts';

/**
 * The simulated native side for one @clerk/expo build. The bridge generation comes from the
 * version (native-module.ts `bridgeFor`). The Swift behaviours our fixes change are modelled,
 * not executed: configure() waits for a session (Fix B) and the first token hand-over keeps the
 * cached client (Fix C) when the build carries that behaviour — the loaded variant is patched
 * with a patch that lists the fix, or the version is outside the fix's affected range (fixed
 * upstream, or the code is not there yet).
 */
const B = 'ios-configure-waits-for-session';
const C = 'ios-keep-cache-on-first-launch';

interface ManifestEntry {
  package: string;
  version: string;
  fixes: string[];
}
const shippedFixes = (version: string): string[] => {
  const m = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as { patches: ManifestEntry[] };
  return m.patches.find((p) => p.package === '@clerk/expo' && p.version === version)?.fixes ?? [];
};

function behaves(fixId: string, version: string, loaded: Variant): boolean {
  const fix = FIXES.find((f) => f.id === fixId);
  if (!fix) throw new Error(`unknown fix ${fixId}`);
  if (!semver.satisfies(version, fix.affected)) return true;
  return loaded === 'patched' && shippedFixes(version).includes(fixId);
}

/** `loaded`: the variant actually loaded (expoDist's answer: HARNESS_REVERT_PATCH=1 turns patched into pristine). */
export function deviceOptions(version: string, loaded: Variant): DeviceOptions {
  return {
    bridge: bridgeFor(version),
    configure: behaves(B, version, loaded) ? 'wait-for-session' : 'return-early',
    keepCacheOnFirstLaunch: behaves(C, version, loaded),
  };
}
