import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fetchPackage } from '../../scripts/produce/npm-registry.ts';
import { applyWithPatchPackage } from '../../scripts/patch-file/apply.ts';
import { HARNESS_MANIFEST as MANIFEST, HARNESS_PATCHES_DIR as PATCHES_DIR } from './patches-dir.ts';
import { patchFileName } from '../../scripts/patch-file/names.ts';

/**
 * The text of a published @clerk/clerk-js entry bundle, as a user gets it:
 * - 'pristine': the file from the integrity-checked registry tarball (fetchPackage);
 * - 'patched': the SHIPPED patch file (patches/@clerk+clerk-js+<v>.patch) applied to the
 *   pristine tarball by patch-package's own applier (applyWithPatchPackage), as a user's
 *   postinstall does. Never the codemod.
 *
 * Reverting the patch for a demonstration: HARNESS_REVERT_PATCH=1 makes 'patched' return the
 * pristine text (and says so on stderr), so the patched-variant tests must fail.
 */
export const CLERK_JS = '@clerk/clerk-js';
export type Variant = 'pristine' | 'patched';

export interface BundleSource {
  pkg: string;
  version: string;
  /** Path inside the package, e.g. dist/clerk.native.js */
  entry: string;
  variant: Variant;
  text: string;
  /** Any file of the (patched) package: chunks the entry loads are read through this. */
  read(p: string): string | undefined;
  /** The patch file applied, for 'patched'. */
  patchFile?: string;
  /** True when HARNESS_REVERT_PATCH made 'patched' pristine. */
  reverted: boolean;
}

interface ManifestFile {
  path: string;
  after: string;
}
interface ManifestEntry {
  package: string;
  version: string;
  patch: string;
  fixes: string[];
  integrity: string;
  files: ManifestFile[];
}

export function readManifest(): ManifestEntry[] {
  return (JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as { patches: ManifestEntry[] }).patches;
}

/** Versions of `pkg` with a shipped patch carrying `fixId`, ascending as listed. */
export function shippedVersions(pkg: string, fixId: string): string[] {
  return readManifest()
    .filter((e) => e.package === pkg && e.fixes.includes(fixId))
    .map((e) => e.version);
}

export const revertRequested = (): boolean => process.env.HARNESS_REVERT_PATCH === '1';

const patchedMemo = new Map<string, Promise<Map<string, string>>>();

async function patchedFiles(pkg: string, version: string): Promise<{ files: Map<string, string>; patchFile: string }> {
  const entry = readManifest().find((e) => e.package === pkg && e.version === version);
  if (!entry) throw new Error(`patches/manifest.json ships no patch for ${pkg}@${version}`);
  const patchFile = path.join(PATCHES_DIR, patchFileName(pkg, version));
  if (path.basename(patchFile) !== entry.patch) throw new Error(`manifest names ${entry.patch}, expected ${path.basename(patchFile)}`);
  const key = `${pkg}@${version}`;
  let hit = patchedMemo.get(key);
  if (!hit) {
    hit = (async () => {
      const snap = await fetchPackage(pkg, version, entry.integrity);
      const files = applyWithPatchPackage(pkg, fs.readFileSync(patchFile, 'utf8'), (p) => snap.read(p));
      // The applied result must be byte-identical to what the manifest recorded.
      for (const f of entry.files) {
        const got = files.get(f.path);
        if (got === undefined) throw new Error(`${entry.patch} does not patch ${f.path}, which the manifest lists`);
        const sha = crypto.createHash('sha256').update(got).digest('hex');
        if (sha !== f.after) throw new Error(`${entry.patch} applied to ${f.path} gives sha256 ${sha}, manifest says ${f.after}`);
      }
      return files;
    })();
    patchedMemo.set(key, hit);
    hit.catch(() => patchedMemo.delete(key));
  }
  return { files: await hit, patchFile };
}

export async function bundleSource(pkg: string, version: string, entry: string, variant: Variant): Promise<BundleSource> {
  const snap = await fetchPackage(pkg, version);
  const pristine = snap.read(entry);
  if (pristine === undefined) throw new Error(`${pkg}@${version} has no ${entry}`);
  if (variant === 'pristine') return { pkg, version, entry, variant, text: pristine, read: (p) => snap.read(p), reverted: false };

  const { files, patchFile } = await patchedFiles(pkg, version);
  const patched = files.get(entry);
  if (patched === undefined) throw new Error(`${path.basename(patchFile)} does not patch ${entry}`);
  if (patched === pristine) throw new Error(`${path.basename(patchFile)} leaves ${entry} unchanged`);
  if (revertRequested()) {
    process.stderr.write(`HARNESS_REVERT_PATCH=1: the 'patched' ${pkg}@${version} ${entry} is the PRISTINE text\n`);
    return { pkg, version, entry, variant, text: pristine, read: (p) => snap.read(p), patchFile, reverted: true };
  }
  return {
    pkg,
    version,
    entry,
    variant,
    text: patched,
    read: (p) => (files.has(p) ? files.get(p) : snap.read(p)),
    patchFile,
    reverted: false,
  };
}
