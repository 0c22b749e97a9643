import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** The one file this fix edits. */
export const TARGET = 'dist/provider/singleton/createClerkInstance.js';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'singleton-latest-token-cache',
  letter: 'H',
  title: 'The Clerk singleton uses the token cache of the latest getClerkInstance() call that passes one',
  package: '@clerk/expo',
  affected: '>=3.0.1 <3.6.3',
  fixedUpstreamIn: '3.6.3',
  targets: (pkg: PackageSnapshot) => (pkg.files.includes(TARGET) ? [TARGET] : []),
} as const satisfies FixMeta;
