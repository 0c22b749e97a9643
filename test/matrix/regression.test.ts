import { afterEach, beforeAll, expect, it } from 'vitest';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { runCell } from './cell.ts';

/**
 * The matrix detects a regression: a scenario kept on a version's patched code turns to `lost`
 * when the harness is fed that version's pristine code with the fix reverted
 * (HARNESS_REVERT_PATCH=1: the "patched" variant loads the pristine files, and the modelled
 * native behaviour follows the files loaded).
 */
const VERSION = '3.2.7';

beforeAll(async () => {
  await dependencySet(VERSION);
});
afterEach(() => {
  delete process.env.HARNESS_REVERT_PATCH;
});

for (const scenario of ['js-reload-signed-in', 'ios-cold-start-late-server', 'ios-first-launch-no-device-token']) {
  it(`${scenario}: kept on ${VERSION} patched, lost with the fix reverted`, async () => {
    expect((await runCell({ version: VERSION, variant: 'patched', scenario })).result).toBe('kept');
    process.env.HARNESS_REVERT_PATCH = '1';
    expect((await runCell({ version: VERSION, variant: 'patched', scenario })).result).toBe('lost');
  });
}
