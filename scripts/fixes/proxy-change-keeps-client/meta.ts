import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** The one file this fix edits. */
export const TARGET = 'dist/provider/singleton/createClerkInstance.js';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'proxy-change-keeps-client',
  letter: 'P',
  title:
    'A getClerkInstance() call that changes only proxyUrl or domain keeps the stored client JWT (only a new publishable key clears it)',
  package: '@clerk/expo',
  affected: '>=3.1.3 <5.0.0',
  fixedUpstreamIn: null,
  targets: (pkg: PackageSnapshot) => (pkg.files.includes(TARGET) ? [TARGET] : []),
} as const satisfies FixMeta;
