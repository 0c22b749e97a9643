import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** The one file this fix edits. */
export const TARGET = 'dist/provider/ClerkProvider.js';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'native-signout-after-load',
  letter: 'D',
  title: 'Never sign the native SDK out before JS Clerk has loaded (NativeSessionSync isLoaded guard)',
  package: '@clerk/expo',
  affected: '>=3.1.6 <3.2.8',
  fixedUpstreamIn: '3.2.8',
  targets: (pkg: PackageSnapshot) => (pkg.files.includes(TARGET) ? [TARGET] : []),
} as const satisfies FixMeta;
