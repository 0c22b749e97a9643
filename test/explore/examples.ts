import type { Step } from '../harness/expo/scenario.ts';
import type { StartConfig } from './config.ts';

/**
 * Lives every lane runs first, as fast-check `examples` (run before the generated lives, recorded
 * like any failure): sequences known to matter that random generation seldom reaches. The offline
 * sign-out needs `offline`, `sign-out-attempt`, `online` and a launch in that order; sampling the
 * generator (events.ts families, up to 10 events) gives that pattern about once in 4,000 lives.
 * docs/explorer.md, "The offline sign-out that the next launch undoes".
 */
export const EXAMPLES: readonly { config: StartConfig; steps: Step[] }[] = [
  // clerk-js reads the device as offline (no navigator, or onLine false): signOut() signs out locally only.
  { config: { platform: 'ios', navigator: 'absent', native: null }, steps: ['offline', 'sign-out-attempt', 'online', 'cold-launch'] },
  {
    config: { platform: 'ios', navigator: 'tracks-network', native: null },
    steps: ['offline', 'sign-out-attempt', 'online', 'cold-launch'],
  },
  // React Native's navigator (no onLine): signOut() rejects after entering its transitive state.
  { config: { platform: 'ios', navigator: 'react-native', native: null }, steps: ['offline', 'sign-out-attempt', 'online', 'foreground'] },
];
