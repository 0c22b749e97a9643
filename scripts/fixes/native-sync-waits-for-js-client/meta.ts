import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** 3.4.x keeps the native→JS sync in the provider; 3.5.2+ in its own module. */
export const PROVIDER = 'dist/provider/ClerkProvider.js';
export const SYNC_MODULE = 'dist/provider/nativeClientSync.js';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'native-sync-waits-for-js-client',
  letter: 'L',
  title:
    'The native→JS client sync waits until JS Clerk has loaded its own client from the server before it compares or adopts the native client',
  package: '@clerk/expo',
  affected: '>=3.4.0 <5.0.0',
  fixedUpstreamIn: null,
  targets: (pkg: PackageSnapshot) => (pkg.files.includes(SYNC_MODULE) ? [SYNC_MODULE] : pkg.files.includes(PROVIDER) ? [PROVIDER] : []),
} as const satisfies FixMeta;
