import { jsEntryPoints } from '../../codemod/entry-points.ts';
import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'headless-background-refresh',
  letter: 'A',
  title: 'Skip the background token refresh in headless runtimes when the last token has expired',
  package: '@clerk/clerk-js',
  affected: '>=6.0.0 <6.7.4',
  fixedUpstreamIn: '6.7.4',
  targets: (pkg: PackageSnapshot) => jsEntryPoints(pkg),
} as const satisfies FixMeta;
