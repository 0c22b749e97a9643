import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** The one file this fix edits. */
export const TARGET = 'dist/provider/singleton/createClerkInstance.js';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'session-token-rejection-rereads-client',
  letter: 'K',
  title:
    "A session-token request answered 404 or 403 for the active session re-reads the client (Clerk's own 401 handler): a session the server ended is signed out, a live one kept",
  package: '@clerk/expo',
  affected: '>=3.0.1 <5.0.0',
  fixedUpstreamIn: null,
  targets: (pkg: PackageSnapshot) => (pkg.files.includes(TARGET) ? [TARGET] : []),
} as const satisfies FixMeta;
