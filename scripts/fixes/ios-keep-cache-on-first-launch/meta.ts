import { bridgeTargets } from '../../codemod/expo-ios-bridge.ts';
import type { FixMeta } from '../../core/fix.ts';

/** What this fix is and which files it reads, without its code: the consumer needs no parser for these. */
export const meta = {
  id: 'ios-keep-cache-on-first-launch',
  letter: 'C',
  title: 'iOS syncTokenState keeps the cached client on first launch (clears only when a previous token differs)',
  package: '@clerk/expo',
  affected: '>=3.1.6 <3.4.4',
  // Upstream removed this code in 3.4.4 (a redesign: ClerkKit owns the device token and cache, sync is
  // client-driven). 3.4.4 is not on the registry; the first installable release without it is 3.5.2.
  fixedUpstreamIn: '3.4.4',
  afterApply: 'npx expo prebuild --clean',
  targets: bridgeTargets,
} as const satisfies FixMeta;
