import semver from 'semver';
import { beforeAll, describe, expect, it } from 'vitest';
import { listVersions } from '../../scripts/produce/npm-registry.ts';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { hasShippedPatch } from '../harness/expo/expo-dist.ts';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { exploreLane, type LaneResult } from './explore.ts';
import { readStore, readTriage, untriagedPatched } from './findings.ts';
import { replay } from './replay.ts';

/**
 * The CI slice of the session-lifecycle explorer (`npm run explore` is the long run): fixed
 * fast-check seeds, patched builds, the newest served @clerk/expo that ships a patch (resolved now)
 * and one version per other native bridge generation. Every invariant a patched life breaks must
 * be a finding a maintainer has triaged (test/explore/triage.json): a new failure fails CI with
 * its shrunk steps, and `npm run explore` writes its repro and timeline to docs/explorer.md.
 * Lives that only repeat a finding of docs/explorer.json (same invariant, platform and native
 * module, its steps among theirs) count as known and are not shrunk again. Lives: 50 + 15 + 15, after the
 * three example lives (examples.ts) of each lane
 * (docs/explorer.md, "Budget": what they cost).
 */
const SEED = 20261207;
const OTHER_GENERATIONS: Record<string, number> = { '3.2.7': 15, '3.4.3': 15 };
const NEWEST_LIVES = 50;
let newest = '';

beforeAll(async () => {
  const served = (await listVersions('@clerk/expo')).map((v) => v.version).filter((v) => semver.satisfies(v, '>=3.0.0 <5.0.0'));
  newest = [...served].reverse().find(hasShippedPatch) ?? '';
  for (const v of [newest, ...Object.keys(OTHER_GENERATIONS)]) if (v) await dependencySet(v);
});

function expectTriaged(result: LaneResult, version: string): void {
  const triage = readTriage();
  // A failure its fresh-process replay does not reproduce depended on the lives before it in this
  // process (the harness's history, not the app): reported, not failed on.
  for (const f of result.findings.filter((x) => x.freshProcess !== 'reproduced'))
    console.warn(
      `explorer: ${f.id} ${f.invariant} on ${version} patched ${f.freshProcess} in a fresh process (history-dependent harness run)`,
    );
  const untriaged = result.findings.filter((f) => f.freshProcess === 'reproduced' && !triage[f.id]);
  expect(
    untriaged.map(
      (f) => `${f.id} ${f.invariant} on ${version} patched — ${f.configLabel}: ${f.steps.join(' → ') || '(first launch)'} — ${f.detail}`,
    ),
    'a patched life broke an invariant no maintainer has triaged: run `npm run explore -- --versions <v> --variant both`, then triage it in test/explore/triage.json',
  ).toEqual([]);
}

const known = (version: string) =>
  Object.values(readStore().findings)
    .filter((f) => f.occurrences.some((o) => o.version === version && o.variant === 'patched'))
    .map(({ id, invariant, configLabel, steps }) => ({ id, invariant, configLabel, steps }));

describe('session-lifecycle explorer (patched)', () => {
  it('every patched finding of docs/explorer.json is triaged', () => {
    expect(untriagedPatched(readStore(), readTriage()), 'triage them in test/explore/triage.json (docs/explorer.md lists them)').toEqual(
      [],
    );
  });

  it('covers the device-token, session and client-token bridges', () => {
    expect(newest, 'no served @clerk/expo version ships a patch').not.toBe('');
    expect(new Set([newest, ...Object.keys(OTHER_GENERATIONS)].map(bridgeFor))).toEqual(
      new Set(['device-token', 'session', 'client-token']),
    );
  });

  it(`the newest patched version: ${NEWEST_LIVES} lives`, async () => {
    const result = await exploreLane({ version: newest, variant: 'patched', seed: SEED, lives: NEWEST_LIVES, known: known(newest) });
    expect(result.lives - result.shrinkLives).toBeGreaterThanOrEqual(NEWEST_LIVES);
    expectTriaged(result, newest);
  });

  // docs/explorer.md, "The offline sign-out that the next launch undoes": clerk-js 6.40.0's
  // signOut() offline. Pristine, the next launch undoes it; Fix S forgets the client JWT when the
  // sign-out resolved without reaching the server. Where clerk-js reads the device as online,
  // signOut() rejects with its network error: pristine stays loading, Fix S forgets the client JWT
  // and signs the app out locally (the error still reaches the app).
  it('reproduces the offline sign-out the next launch undoes and the stuck loading state where clerk-js reads the device as online (pristine; Fix S keeps both)', async () => {
    const undone = await replay({
      version: newest,
      variant: 'patched',
      config: { platform: 'ios', navigator: 'absent', native: null },
      steps: ['offline', 'sign-out-attempt', 'online', 'cold-launch'],
    });
    expect(undone.violation).toBeUndefined();
    expect(undone.pristine?.invariant).toBe('sign-out-stays');
    const stuck = await replay({
      version: newest,
      variant: 'patched',
      config: { platform: 'ios', navigator: 'react-native', native: null },
      steps: ['offline', 'sign-out-attempt', 'online', 'foreground'],
    });
    expect(stuck.violation).toBeUndefined();
    expect(stuck.pristine).toMatchObject({ invariant: 'session-kept', detail: 'JS Clerk not loaded' });
  });

  for (const [version, lives] of Object.entries(OTHER_GENERATIONS))
    it(`${version} (${bridgeFor(version)}) patched: ${lives} lives`, async () => {
      const result = await exploreLane({ version, variant: 'patched', seed: SEED, lives, known: known(version) });
      expect(result.lives - result.shrinkLives).toBeGreaterThanOrEqual(lives);
      expectTriaged(result, version);
    });
});
