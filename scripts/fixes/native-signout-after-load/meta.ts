import type { FixMeta } from '../../core/fix.ts';

/** What this fix is, without its code: the consumer reads it on the fast path (no parser loaded). */
export const meta = {
  id: 'native-signout-after-load',
  letter: 'D',
  title: 'Never sign the native SDK out before JS Clerk has loaded (NativeSessionSync isLoaded guard)',
  package: '@clerk/expo',
  affected: '>=3.1.6 <3.2.8',
  fixedUpstreamIn: '3.2.8',
} as const satisfies FixMeta;
