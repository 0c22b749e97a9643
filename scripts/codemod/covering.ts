import semver from 'semver';
import type { FixMeta } from '../core/fix.ts';

/** The fixes whose affected range covers a version (metadata or full fixes alike; loads no parser). */
export const fixesCovering = <F extends FixMeta>(fixes: readonly F[], version: string): F[] =>
  fixes.filter((f) => semver.satisfies(version, f.affected));
