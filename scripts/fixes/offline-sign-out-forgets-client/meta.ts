import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** The one file this fix edits. */
export const TARGET = 'dist/provider/singleton/createClerkInstance.js';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'offline-sign-out-forgets-client',
  letter: 'S',
  title: 'A sign-out the server could not be told of forgets the stored client JWT, so the next launch starts signed out',
  package: '@clerk/expo',
  affected: '>=3.0.1 <5.0.0',
  fixedUpstreamIn: null,
  targets: (pkg: PackageSnapshot) => (pkg.files.includes(TARGET) ? [TARGET] : []),
} as const satisfies FixMeta;
