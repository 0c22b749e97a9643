import semver from 'semver';
import { beforeAll, describe, expect, it } from 'vitest';
import { listVersions } from '../../scripts/produce/npm-registry.ts';
import { dependencySet } from '../harness/expo/dependency-set.ts';
import { hasShippedPatch } from '../harness/expo/expo-dist.ts';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { exploreLane, type LaneResult } from './explore.ts';
import { readTriage } from './findings.ts';

/**
 * The CI slice of the session-lifecycle explorer (`npm run explore` is the long run): fixed
 * fast-check seeds, patched builds, the newest served @clerk/expo that ships a patch (resolved now)
 * and one version per other native bridge generation. Every invariant a patched life breaks must
 * be a finding a maintainer has triaged (test/explore/triage.json): a new failure fails CI with
 * its shrunk steps, and `npm run explore` writes its repro and timeline to docs/explorer.md.
 * Lives: 100 + 40 + 40 (measured in docs/explorer.md, "Budget").
 */
const SEED = 20261207;
const OTHER_GENERATIONS: Record<string, number> = { '3.2.7': 40, '3.4.3': 40 };
const NEWEST_LIVES = 100;
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

describe('session-lifecycle explorer (patched)', () => {
  it('covers the device-token, session and client-token bridges', () => {
    expect(newest, 'no served @clerk/expo version ships a patch').not.toBe('');
    expect(new Set([newest, ...Object.keys(OTHER_GENERATIONS)].map(bridgeFor))).toEqual(
      new Set(['device-token', 'session', 'client-token']),
    );
  });

  it(`the newest patched version: ${NEWEST_LIVES} lives`, async () => {
    const result = await exploreLane({ version: newest, variant: 'patched', seed: SEED, lives: NEWEST_LIVES });
    expect(result.lives - result.shrinkLives).toBeGreaterThanOrEqual(NEWEST_LIVES);
    expectTriaged(result, newest);
  });

  for (const [version, lives] of Object.entries(OTHER_GENERATIONS))
    it(`${version} (${bridgeFor(version)}) patched: ${lives} lives`, async () => {
      const result = await exploreLane({ version, variant: 'patched', seed: SEED, lives });
      expect(result.lives - result.shrinkLives).toBeGreaterThanOrEqual(lives);
      expectTriaged(result, version);
    });
});
