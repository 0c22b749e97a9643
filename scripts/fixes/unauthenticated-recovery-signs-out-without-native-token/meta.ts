import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

export const SYNC_MODULE = 'dist/provider/nativeClientSync.js';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'unauthenticated-recovery-signs-out-without-native-token',
  letter: 'I',
  title: "A 401 that native state cannot recover (no native device token) reaches Clerk's own sign-out handler",
  package: '@clerk/expo',
  /**
   * From 4.0.3 (#9222), where the 401 wrapper's "restore the JS client and report recovered"
   * path appears; it engages with the real clerk-js from 4.1.0 upstream (and on 4.0.4 with Fix G).
   * Not fixed upstream as of 4.6.6.
   */
  affected: '>=4.0.3 <5.0.0',
  fixedUpstreamIn: null,
  targets: (pkg: PackageSnapshot) => (pkg.files.includes(SYNC_MODULE) ? [SYNC_MODULE] : []),
} as const satisfies FixMeta;
