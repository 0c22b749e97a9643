import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** The one file this fix edits. */
export const TARGET = 'dist/provider/ClerkProvider.js';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'native-signout-only-after-js-sign-out',
  letter: 'N',
  title: 'NativeSessionSync signs the native SDK out only after JS was signed in and signed out, not after a load that ended signed out',
  package: '@clerk/expo',
  affected: '>=3.1.6 <3.4.0',
  fixedUpstreamIn: null,
  targets: (pkg: PackageSnapshot) => (pkg.files.includes(TARGET) ? [TARGET] : []),
} as const satisfies FixMeta;
