import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import type { Fix, FixMeta, Status } from '../../core/fix.ts';
import type { FixState } from '../../core/report.ts';
import { ToolError } from '../../core/errors.ts';
import { sha256 } from '../../infra/hash.ts';
import { cachedDetect } from '../../infra/detect-cache.ts';
import type { Manifest } from '../../patch-file/manifest.ts';
import { fixState, fixStates } from '../../codemod/fix-states.ts';
import type { FixDetection } from '../../codemod/fix-status.ts';
import { derivedStatus } from '../../core/report.ts';
import type { BridgeFile } from '../../core/targets.ts';

/**
 * What one copy of the Swift bridge is, read on its own (never only by comparing it with
 * node_modules): its sha256 against every shipped @clerk/expo patch's before/after hash of that
 * file (the installed version first), else the Swift fixes' detect() on its text.
 */
export interface BridgeState {
  status: Status;
  fixes: FixState[];
  via: 'manifest-sha256' | 'detect';
  reason: string;
}

export async function bridgeState(
  text: Buffer,
  source: BridgeFile,
  manifest: Manifest,
  installedVersion: string,
  fixes: readonly FixMeta[],
  loadFixes: () => Promise<readonly Fix[]>,
): Promise<BridgeState> {
  const hash = sha256(text);
  const entries = manifest.patches
    .filter((p) => p.package === '@clerk/expo')
    .sort((a, b) => (a.version === installedVersion ? -1 : b.version === installedVersion ? 1 : semver.rcompare(a.version, b.version)));
  for (const e of entries) {
    const f = e.files.find((x) => x.path === source);
    if (!f || (hash !== f.after && hash !== f.before)) continue;
    const status: Status = hash === f.after ? 'patched' : 'vulnerable';
    const carried = fixes.filter((x) => f.fixes.includes(x.id));
    return {
      status,
      fixes: carried.map((x) => fixState(x, status)),
      via: 'manifest-sha256',
      reason: `sha256 equals the ${status === 'patched' ? 'patched' : 'pristine'} ${source} of @clerk/expo@${e.version} (${e.patch})`,
    };
  }
  const swift = fixes.filter(
    (x) =>
      x.package === '@clerk/expo' &&
      x
        .targets({ name: '@clerk/expo', version: installedVersion, packageJson: {}, files: [source], read: () => undefined })
        .includes(source),
  );
  // A published bridge of a version whose patch does not touch it (or that no patch targets).
  for (const [version, k] of Object.entries(manifest.known?.['@clerk/expo'] ?? {})) {
    if (k.files[source] !== hash || !swift.every((x) => k.fixes[x.id] !== undefined)) continue;
    const states = swift.map((x) => fixState(x, k.fixes[x.id]!));
    return {
      status: derivedStatus(states),
      fixes: states,
      via: 'manifest-sha256',
      reason: `sha256 equals the published ${source} of @clerk/expo@${version} (${states.map((x) => `${x.letter} ${x.status}`).join(', ')})`,
    };
  }
  const str = text.toString('utf8');
  // No hash answered: only now load the fixes' code (and the Swift parser). Without a Swift
  // parser in the app the copy stays unknown: a finding for classify, never a tool error.
  let ds: FixDetection[];
  try {
    const code = swift.length > 0 ? await loadFixes() : [];
    ds = swift.map((x) => ({
      fix: x.id,
      file: source,
      detection: cachedDetect(
        code.find((c) => c.id === x.id)!,
        str,
        source,
      ),
    }));
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    const reason = `no shipped sha256 matches ${source}, and reading its code needs a parser: ${err.message.split('\n')[0]}`;
    return { status: 'unknown-shape', fixes: swift.map((x) => fixState(x, 'unknown-shape')), via: 'detect', reason };
  }
  const states = fixStates(swift, ds);
  const status = derivedStatus(states);
  const hit = ds.find((d) => d.detection.status === status);
  return { status, fixes: states, via: 'detect', reason: hit ? `${hit.fix}: ${hit.detection.reason}` : `no fix recognises ${source}` };
}

export const readBridge = (dir: string, source: BridgeFile): Buffer | undefined => {
  try {
    return fs.readFileSync(path.join(dir, source));
  } catch {
    return undefined;
  }
};
