import fs from 'node:fs';
import path from 'node:path';
import { fetchPackage } from '../../../scripts/produce/npm-registry.ts';
import { applyWithPatchPackage } from '../../../scripts/patch-file/apply.ts';
import { HARNESS_PATCHES_DIR as PATCHES_DIR } from '../patches-dir.ts';
import { patchFileName } from '../../../scripts/patch-file/names.ts';
import { sha256 } from '../../../scripts/infra/hash.ts';
import { dependencySet, type DependencySet } from './dependency-set.ts';

/**
 * A published @clerk/expo on its own dependency closure (dependency-set.ts): the tarball's
 * `dist/**` + `package.json` laid out as `<set>/variants/<id>/node_modules/@clerk/expo`, so
 * Node's resolution walks up to `<set>/node_modules` and its `require`s of react, @clerk/react,
 * @clerk/clerk-js… reach the versions that @clerk/expo version resolves. "pristine" is the
 * registry tarball as is; "patched" is the tarball with the shipped
 * patches/@clerk+expo+<version>.patch (or `patchText`) applied by patch-package's own applier,
 * as a user's postinstall does. HARNESS_REVERT_PATCH=1 makes "patched" load the pristine files
 * (to show which tests need the patch).
 *
 * Nothing here knows a version's module layout: every file under dist/ is copied (tsup 3.x and
 * rolldown 3.4+/4.x alike), and the entry points are the package's own paths.
 */
export type Variant = 'pristine' | 'patched';

export interface ExpoDist {
  version: string;
  variant: Variant;
  /** The package directory (…/node_modules/@clerk/expo). */
  root: string;
  /** The dependency closure it runs on. */
  deps: DependencySet;
  /** Text of the provider file actually loaded (for reporting). */
  providerSource: string;
}

const PROVIDER = 'dist/provider/ClerkProvider.js';

/** True when the project ships a patch for this @clerk/expo version. */
export const hasShippedPatch = (version: string): boolean => fs.existsSync(path.join(PATCHES_DIR, patchFileName('@clerk/expo', version)));

export async function expoDist(version: string, variant: Variant, patchText?: string): Promise<ExpoDist> {
  const [pkg, deps] = await Promise.all([fetchPackage('@clerk/expo', version), dependencySet(version)]);
  if (variant === 'patched' && process.env.HARNESS_REVERT_PATCH === '1') variant = 'pristine';
  const patch =
    variant === 'patched' ? (patchText ?? fs.readFileSync(path.join(PATCHES_DIR, patchFileName('@clerk/expo', version)), 'utf8')) : '';
  const patched = variant === 'patched' ? applyWithPatchPackage('@clerk/expo', patch, (p) => pkg.read(p)) : new Map<string, string>();
  const read = (p: string) => patched.get(p) ?? pkg.read(p);
  const id = `${variant}-${sha256(patch).slice(0, 12)}`;
  const base = path.join(deps.dir, 'variants', id);
  const root = path.join(base, 'node_modules', '@clerk', 'expo');
  if (!fs.existsSync(root)) {
    // Laid out in a private folder, then renamed into place: test files and matrix workers
    // running in parallel never see (or load) a half-written copy.
    const tmp = `${base}.${process.pid}.tmp`;
    const tmpRoot = path.join(tmp, 'node_modules', '@clerk', 'expo');
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const f of pkg.files) {
      if (!(f === 'package.json' || (f.startsWith('dist/') && /\.(c?js|json)$/.test(f)))) continue;
      const target = path.join(tmpRoot, f);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, read(f)!);
    }
    // A dependency npm had to nest under @clerk/expo stays visible to the copy.
    const nested = path.join(deps.dir, 'node_modules', '@clerk', 'expo', 'node_modules');
    if (fs.existsSync(nested)) fs.symlinkSync(nested, path.join(tmpRoot, 'node_modules'), 'dir');
    try {
      fs.renameSync(tmp, base);
    } catch (err) {
      // Another worker laid out the same copy first: use theirs.
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(root)) throw err;
    }
  }
  return { version, variant, root, deps, providerSource: read(PROVIDER)! };
}
