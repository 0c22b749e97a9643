import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport } from './report.ts';
import { Staging } from './staging.ts';
import { recordedVersions } from './toolchains.ts';
import type { UpstreamResult } from './types.ts';

/** The parts of `npm run upstream` that need no registry: the staging area, the report, the toolchain record. */
describe('Staging', () => {
  it('changes the repository only on commit, and only the files that differ', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-staging-'));
    fs.mkdirSync(path.join(root, 'patches'));
    fs.writeFileSync(path.join(root, 'patches', 'a.patch'), 'a');
    fs.writeFileSync(path.join(root, 'README.md'), 'readme');
    const s = new Staging(root, ['patches', 'README.md', 'docs/none.md']);
    s.write('patches/b.patch', 'b');
    s.write('README.md', 'readme');
    expect(fs.existsSync(path.join(root, 'patches', 'b.patch'))).toBe(false);
    expect(s.changed()).toEqual([path.join('patches', 'b.patch')]);
    s.write('README.md', 'new readme');
    expect(s.commit().sort()).toEqual(['README.md', path.join('patches', 'b.patch')]);
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toBe('new readme');
    expect(fs.readFileSync(path.join(root, 'patches', 'b.patch'), 'utf8')).toBe('b');
    s.discard();
    expect(fs.existsSync(s.dir)).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

const base = (over: Partial<UpstreamResult>): UpstreamResult => ({
  exitCode: 1,
  registry: 'http://127.0.0.1:4873/',
  versions: [],
  written: [],
  seconds: 3,
  ...over,
});

describe('upstream-report.md', () => {
  it('names every refusal with its fix and anchor, and says nothing was written', () => {
    const text = renderReport(
      base({
        exitCode: 2,
        versions: [
          {
            package: '@clerk/expo',
            version: '4.7.0',
            problems: [],
            row: [],
            refusals: [
              {
                fixId: 'unauthenticated-recovery-signs-out-without-native-token',
                letter: 'I',
                file: '@clerk/expo@4.7.0/dist/provider/nativeClientSync.js',
                anchor: 'the anchor',
              },
            ],
          },
        ],
      }),
    );
    expect(text).toContain('Nothing was written');
    expect(text).toContain('| @clerk/expo | 4.7.0 | nothing | — | — | I |');
    expect(text).toContain(
      '**Fix I** (`unauthenticated-recovery-signs-out-without-native-token`) on `@clerk/expo@4.7.0/dist/provider/nativeClientSync.js`: expected the anchor, not found.',
    );
  });

  it('flags a patched cell that is neither kept nor signed out, and not the others', () => {
    const text = renderReport(
      base({
        versions: [
          {
            package: '@clerk/expo',
            version: '4.6.7',
            problems: [],
            refusals: [],
            row: [
              { version: '4.6.7', variant: 'pristine', scenario: 'a', result: 'lost' },
              { version: '4.6.7', variant: 'patched', scenario: 'a', result: 'kept' },
              { version: '4.6.7', variant: 'pristine', scenario: 'b', result: 'hang' },
              { version: '4.6.7', variant: 'patched', scenario: 'b', result: 'stuck' },
            ],
          },
        ],
      }),
    );
    expect(text).toContain('| a | lost | kept |  |');
    expect(text).toContain('| b | hang | stuck | **flagged** |');
    expect(text).toContain('4 cells, **1 flagged**');
  });
});

describe('toolchain record', () => {
  it('reads every (tool, version) it can find, whatever the nesting', () => {
    const doc = {
      rows: [
        { packageManager: 'pnpm', version: '10.2.0' },
        { tool: 'pnpm', version: 'v11.0.1' },
        { name: 'expo', version: '54.0.1', nested: { tool: 'bun', version: '1.2.3' } },
        { tool: 'not-a-tool', version: '1.0.0' },
      ],
    };
    expect(Object.fromEntries(recordedVersions(doc))).toEqual({ pnpm: ['10.2.0', '11.0.1'], expo: ['54.0.1'], bun: ['1.2.3'] });
  });
});
