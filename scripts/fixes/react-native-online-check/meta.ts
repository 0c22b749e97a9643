import type { FixMeta } from '../../core/fix.ts';

/** What this fix is, without its code: the consumer reads it on the fast path (no parser loaded). */
export const meta = {
  id: 'react-native-online-check',
  letter: 'E',
  title: 'Treat a missing navigator.onLine as online (React Native), so uncached getToken() does not throw "offline"',
  package: '@clerk/clerk-js',
  affected: '>=6.1.0 <6.3.2',
  fixedUpstreamIn: '6.3.2',
} as const satisfies FixMeta;
