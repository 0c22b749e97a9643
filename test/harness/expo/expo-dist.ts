import fs from 'node:fs';
import path from 'node:path';
import { fetchPackage } from '../../../scripts/produce/npm-registry.ts';
import { applyWithPatchPackage } from '../../../scripts/patch-file/apply.ts';
import { PATCHES_DIR } from '../../../scripts/infra/paths.ts';
import { patchFileName } from '../../../scripts/patch-file/names.ts';
import { sha256 } from '../../../scripts/infra/hash.ts';

/**
 * A published @clerk/expo laid out as node_modules/@clerk/expo under node_modules/.cache, so
 * its `require`s of react, @clerk/react, @clerk/clerk-js… resolve to this project's
 * devDependencies. "pristine" is the registry tarball as is; "patched" is the tarball with the
 * shipped patches/@clerk+expo+<version>.patch applied by patch-package's own applier, as a
 * user's postinstall does. HARNESS_REVERT_PATCH=1 makes "patched" load the pristine files (as the
 * clerk-js harness does), to show which tests need the patch.
 */
export type Variant = 'pristine' | 'patched';

export interface ExpoDist {
  version: string;
  variant: Variant;
  /** The package directory (…/node_modules/@clerk/expo). */
  root: string;
  /** Text of the provider file actually loaded (for reporting). */
  providerSource: string;
}

const CACHE = path.resolve(__dirname, '../../../node_modules/.cache/clerk-expo-harness');
const PROVIDER = 'dist/provider/ClerkProvider.js';

export async function expoDist(version: string, variant: Variant, patchText?: string): Promise<ExpoDist> {
  const pkg = await fetchPackage('@clerk/expo', version);
  if (variant === 'patched' && process.env.HARNESS_REVERT_PATCH === '1') variant = 'pristine';
  const patch = variant === 'patched' ? patchText ?? fs.readFileSync(path.join(PATCHES_DIR, patchFileName('@clerk/expo', version)), 'utf8') : '';
  const patched = variant === 'patched' ? applyWithPatchPackage('@clerk/expo', patch, (p) => pkg.read(p)) : new Map<string, string>();
  const read = (p: string) => patched.get(p) ?? pkg.read(p);
  const id = `${version}-${variant}-${sha256(patch).slice(0, 12)}`;
  const home = path.join(CACHE, id);
  const root = path.join(home, 'node_modules', '@clerk', 'expo');
  if (!fs.existsSync(root)) {
    // Laid out in a private folder, then renamed into place: test files running in parallel
    // workers never see (or load) a half-written copy.
    const tmp = `${home}.${process.pid}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const f of pkg.files) {
      if (!(f === 'package.json' || (f.startsWith('dist/') && f.endsWith('.js')))) continue;
      const target = path.join(tmp, 'node_modules', '@clerk', 'expo', f);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, read(f)!);
    }
    try {
      fs.renameSync(tmp, home);
    } catch (err) {
      // Another worker laid out the same copy first: use theirs.
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(root)) throw err;
    }
  }
  return { version, variant, root, providerSource: read(PROVIDER)! };
}
