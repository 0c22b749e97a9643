import { expect, it } from 'vitest';
import { expoAllowing, expoAllowingRuns } from './clerk-js-expo.ts';

/** Which @clerk/expo versions allow a clerk-js version: their declared `dependencies['@clerk/clerk-js']` ranges, nothing else. */
const RANGES = { '3.0.1': '^6.0.0', '3.1.2': '^6.3.0', '3.1.4': '^6.3.2', '3.2.0': undefined, '3.10.0': '~6.3.2', '4.0.0': '^6.7.0' };

it('lists the allowing @clerk/expo versions as runs of consecutive versions (semver order), with the newest one’s range', () => {
  const a = expoAllowing(['6.0.0', '6.3.1', '6.3.2', '6.4.0', '6.7.4', '7.0.0'], RANGES);
  expect(a['6.0.0']).toEqual({ expo: '3.0.1', range: '^6.0.0' });
  expect(a['6.3.1']).toEqual({ expo: '3.0.1–3.1.2', range: '^6.3.0' });
  // 3.2.0 declares no clerk-js dependency: it breaks the run.
  expect(a['6.3.2']).toEqual({ expo: '3.0.1–3.1.4, 3.10.0', range: '~6.3.2' });
  expect(a['6.4.0']).toEqual({ expo: '3.0.1–3.1.4', range: '^6.3.2' });
  expect(a['6.7.4']).toEqual({ expo: '3.0.1–3.1.4, 4.0.0', range: '^6.7.0' });
  expect(a['7.0.0']).toEqual({ expo: 'none', range: '' });
});

it('groups consecutive clerk-js versions with the same answer', () => {
  const runs = expoAllowingRuns(expoAllowing(['6.3.0', '6.0.0', '6.1.0', '6.3.1', '6.4.0'], RANGES));
  expect(runs).toEqual([
    { clerkJs: '6.0.0–6.1.0', expo: '3.0.1', range: '^6.0.0' },
    { clerkJs: '6.3.0–6.3.1', expo: '3.0.1–3.1.2', range: '^6.3.0' },
    { clerkJs: '6.4.0', expo: '3.0.1–3.1.4', range: '^6.3.2' },
  ]);
});
