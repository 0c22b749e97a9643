import { expect, it } from 'vitest';
import { bridgeFor } from '../../harness/expo/native-module.ts';
import { SLICE } from './cells.ts';

it('the CI slice covers every native bridge generation, with one test file per version', async () => {
  expect(new Set(SLICE.map(bridgeFor))).toEqual(new Set(['none', 'session', 'client-token', 'device-token']));
  const fs = await import('node:fs');
  const files = fs.readdirSync(import.meta.dirname).filter((f) => /^\d+\.\d+\.\d+\.test\.ts$/.test(f));
  expect(files.map((f) => f.replace('.test.ts', '')).sort()).toEqual([...SLICE].sort());
});
