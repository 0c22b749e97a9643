import { jsEntryPoints } from '../../codemod/entry-points.ts';
import type { FixMeta, PackageSnapshot } from '../../core/fix.ts';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'react-native-online-check',
  letter: 'E',
  title: 'Treat a missing navigator.onLine as online (React Native), so uncached getToken() does not throw "offline"',
  package: '@clerk/clerk-js',
  affected: '>=6.1.0 <6.3.2',
  fixedUpstreamIn: '6.3.2',
  targets: (pkg: PackageSnapshot) => jsEntryPoints(pkg),
} as const satisfies FixMeta;
