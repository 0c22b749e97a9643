import type { FixMeta } from '../../core/fix.ts';

/** What this fix is, without its code: the consumer reads it on the fast path (no parser loaded). */
export const meta = {
  id: 'headless-background-refresh',
  letter: 'A',
  title: 'Skip the background token refresh in headless runtimes when the last token has expired',
  package: '@clerk/clerk-js',
  affected: '>=6.0.0 <6.7.4',
  fixedUpstreamIn: '6.7.4',
} as const satisfies FixMeta;
