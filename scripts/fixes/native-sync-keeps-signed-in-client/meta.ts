import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** 3.4.x keeps the native→JS sync in the provider; 3.5.2+ in its own module. */
export const PROVIDER = 'dist/provider/ClerkProvider.js';
export const SYNC_MODULE = 'dist/provider/nativeClientSync.js';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'native-sync-keeps-signed-in-client',
  letter: 'G',
  title: 'Native→JS client sync keeps a signed-in JS client unless the native client is the same client or has a session',
  package: '@clerk/expo',
  /** 4.0.3 (#9222) checks against the live client, which Client.fetch() mutates: still affected until 4.1.0 (#8960) and 4.1.1 (#9259). */
  affected: '>=3.4.0 <4.1.1',
  fixedUpstreamIn: '4.1.1',
  targets: (pkg: PackageSnapshot) => (pkg.files.includes(SYNC_MODULE) ? [SYNC_MODULE] : pkg.files.includes(PROVIDER) ? [PROVIDER] : []),
} as const satisfies FixMeta;
