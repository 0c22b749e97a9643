import { spawn } from 'node:child_process';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { schemaErrors } from './report-schema.ts';
import type { VerifyReport } from '../../scripts/commands/verify.ts';

const BIN = path.resolve(__dirname, '../../bin/clerk-expo-patches.mjs');
/**
 * Runs the CLI as a child process without blocking this test worker: a synchronous spawn of a
 * minutes-long verify would starve vitest's own RPC (it times out after 60 s on a busy machine).
 */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// verify walks every registry version; how long that takes depends on the machine and its load.
// The timeout only guards against a hang.
const FULL_RUN = 1_800_000;

describe('clerk-expo-patches CLI', () => {
  it(
    'verify --json: exit 0, every shipped patch patched, every later clerk-js fixed upstream',
    async () => {
      const r = await cli('verify', '--json');
      expect(r.stderr).toContain('verify:');
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      const report = JSON.parse(r.stdout) as VerifyReport;
      expect(schemaErrors(report)).toBeUndefined();
      expect(report).toMatchObject({ schemaVersion: 1, command: 'verify', ok: true });
      const byKey = new Map(report.packages.map((p) => [`${p.name}@${p.version}`, p]));
      for (const e of readManifest().patches) {
        const p = byKey.get(`${e.package}@${e.version}`);
        expect(p?.status, `${e.package}@${e.version}`).toBe('patched');
        // Every fix of the package, each with its own status: those the patch carries are patched by it.
        expect(p?.fixes.filter((f) => f.status === 'patched').map((f) => [f.id, f.patch])).toEqual(e.fixes.map((id) => [id, e.patch]));
        expect(p?.patch).toBe(e.patch);
      }
      const clerkJs = report.packages.filter((p) => p.name === '@clerk/clerk-js');
      for (const v of ['6.0.0', '6.1.0', '6.3.0', '6.3.1', '6.3.2', '6.3.3', '6.4.0', '6.5.0', '6.6.0', '6.7.0', '6.7.1']) {
        expect(byKey.get(`@clerk/clerk-js@${v}`)?.fixes.find((f) => f.id === 'headless-background-refresh')).toMatchObject({
          letter: 'A',
          status: 'patched',
          fixedUpstreamIn: '6.7.4',
        });
      }
      const later = clerkJs.filter((p) => semver.gte(p.version, '6.7.4'));
      expect(later.length).toBeGreaterThan(20);
      for (const p of later) {
        expect(p.status, p.version).toBe('fixed-upstream');
        expect(p.fixes.find((f) => f.id === 'headless-background-refresh')?.status, p.version).toBe('fixed-upstream');
      }
    },
    FULL_RUN,
  );

  it('--json on a tool error: exit 2 and { ok: false, error: { message, hint } } on stdout, valid against the schema', async () => {
    for (const args of [
      ['check', '--json', '--cwd', path.join(os.tmpdir(), 'cep-no-such-app')],
      ['verify', '--json', '--bogus'],
    ]) {
      const r = await cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      const report = JSON.parse(r.stdout) as { ok: boolean; command: string; error: { message: string; hint: string | null } };
      expect(schemaErrors(report)).toBeUndefined();
      expect(report).toMatchObject({ ok: false, command: args[0] });
      expect(report.error.message.length).toBeGreaterThan(0);
      expect(report.error.hint).toMatch(/\S/);
    }
  });

  it('bad input: unknown command, unknown option and unknown package exit 2 with a hint', async () => {
    for (const args of [['frobnicate'], ['verify', '--bogus'], ['verify', '--package', 'left-pad']]) {
      const r = await cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stdout).toBe('');
    }
  });

  it('list --json names every fix with its range', async () => {
    const r = await cli('list', '--json');
    expect(r.status).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; affected: string }[];
    expect(list.map((f) => f.id)).toContain('headless-background-refresh');
    for (const f of list) expect(semver.validRange(f.affected)).not.toBeNull();
  });
});
