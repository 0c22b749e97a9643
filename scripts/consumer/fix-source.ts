import type { Fix, FixMeta } from '../core/fix.ts';

/**
 * The fixes as the consumer side needs them, handed in by the commands (only they know the list):
 * the metadata always; the code (and a parser) only when no manifest hash answers.
 */
export interface FixSource {
  metasFor(pkg: string): readonly FixMeta[];
  loadFixes(pkg: string): Promise<readonly Fix[]>;
}
