import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../scripts/infra/config.ts';
import { ROOT } from '../../scripts/infra/paths.ts';
import { metasFor } from '../../scripts/fixes/catalog.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { readStore } from '../matrix/store.ts';
import { scratchCopy } from '../upstream/scratch.ts';
import { cleanEnv, run, type RunResult } from './helpers.ts';
import { freePort, publish, repack, startVerdaccio, type Verdaccio } from './verdaccio.ts';

/**
 * `npm run upstream` against a real registry (verdaccio on 127.0.0.1, uplink to the npm registry)
 * that serves two @clerk/expo releases the manifest does not know:
 * - 4.6.7: 4.6.6's published files under a new version. It must come out as a verified patch
 *   carrying 4.6.6's fixes (byte for byte 4.6.6's: the files are the same), its session-matrix row,
 *   the README table, docs/versions.md and the manifest updated, and a report; exit 1.
 * - 4.7.0: 4.6.6's files with one structural change in dist/provider/nativeClientSync.js, the
 *   shape Fix I anchors on: `if (result) return;` after the native recovery becomes a block
 *   (`if (result) { return; }`, the same behaviour). Fix I must refuse, the report must name it
 *   and the anchor, exit 2, and nothing may be written.
 * Then the registry failing: a tarball whose bytes do not match its dist.integrity, a registry
 * that is down, one that never answers: exit 2 with the reason, nothing written.
 *
 * Everything runs in a scratch copy of the repository (its node_modules linked), with a cache of
 * its own under the e2e cache (a repacked "4.6.7" must never reach the real cache's per-version
 * dependency sets). The matrix row runs a slice of three scenarios (one each for F, I and J):
 * the whole row (30 scenarios × 2) is `npm run bench -- --upstream`'s figure.
 *
 * Minutes long (five runs of the command through a registry that proxies the packuments): it
 * runs with CLERK_EXPO_PATCHES_REGISTRY_E2E=1 (`npm run test:registry`, the scheduled upstream
 * job), not in every CI run, whose budget it does not fit.
 */
const ENABLED = process.env.CLERK_EXPO_PATCHES_REGISTRY_E2E === '1';
const SLICE = ['locked-keychain-at-launch', 'revoked-at-foreground', 'cold-start-stalled-client-ios-js-only'];
const I = 'unauthenticated-recovery-signs-out-without-native-token';
/** 4.6.7 is 4.6.6's files: it needs what 4.6.6's shipped patch carries (today I, F, J, K, L, S, P), letters in registry order. */
const SHIPPED_466 = readManifest().patches.find((p) => p.package === '@clerk/expo' && p.version === '4.6.6')!.fixes;
const LETTERS_466 = metasFor('@clerk/expo')
  .filter((m) => SHIPPED_466.includes(m.id))
  .map((m) => m.letter)
  .join('+');
const CACHE = path.join(config().cacheDir, 'e2e', 'upstream-cache');

let reg: Verdaccio;
let scratch: string;
let v470: string;
let v468: string;

/** sha256 of every file of the scratch copy but the report (what "nothing written" is checked against). */
function treeHash(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (r === 'node_modules' || r === 'upstream-report.md') continue;
      if (e.isDirectory()) walk(r);
      else
        out.set(
          r,
          crypto
            .createHash('sha256')
            .update(fs.readFileSync(path.join(dir, r)))
            .digest('hex'),
        );
    }
  };
  walk('');
  return out;
}

function upstream(registry: string, extraEnv: Record<string, string> = {}): Promise<RunResult> {
  return run(
    'npm',
    ['run', '--silent', 'upstream', '--', '--registry', registry, '--scenarios', SLICE.join(','), '--json'],
    scratch,
    cleanEnv({ CLERK_EXPO_PATCHES_CACHE: CACHE, ...extraEnv }),
  );
}

const report = () => fs.readFileSync(path.join(scratch, 'upstream-report.md'), 'utf8');
const json = (r: RunResult) =>
  JSON.parse(r.stdout) as {
    exitCode: number;
    error?: string;
    versions: {
      version: string;
      fixes?: string[];
      refusals: { fixId: string; anchor: string }[];
      row: { variant: string; scenario: string; result: string }[];
    }[];
  };

beforeAll(async () => {
  if (!ENABLED) return;
  scratch = scratchCopy();
  const [r, d467, d470, d468] = await Promise.all([
    startVerdaccio({ merged: ['@clerk/expo'] }),
    repack('@clerk/expo@4.6.6', '4.6.7'),
    repack('@clerk/expo@4.6.6', '4.7.0', (dir) => {
      const file = path.join(dir, 'dist', 'provider', 'nativeClientSync.js');
      const text = fs.readFileSync(file, 'utf8');
      const gate = /^(\s*)if \(result\) return;$/m;
      if (!gate.test(text)) throw new Error(`4.6.6's ${file} no longer has \`if (result) return;\`: pick another structural change`);
      fs.writeFileSync(file, text.replace(gate, '$1if (result) {\n$1\treturn;\n$1}'));
    }),
    repack('@clerk/expo@4.6.6', '4.6.8'),
  ]);
  reg = r;
  v470 = d470;
  v468 = d468;
  await publish(reg, d467, 'upstream-test');
});

afterAll(async () => {
  await reg?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!ENABLED)('npm run upstream against a local registry (CLERK_EXPO_PATCHES_REGISTRY_E2E=1)', () => {
  it("turns a new @clerk/expo 4.6.7 into a verified patch (4.6.6's fixes), its matrix row, the docs and a report (exit 1)", async () => {
    const before = readStore(path.join(scratch, 'docs', 'session-matrix.json'));
    const r = await upstream(reg.url);
    expect(r.status, r.stderr).toBe(1);
    const out = json(r);
    expect(out.versions.map((v) => v.version)).toEqual(['4.6.7']);
    const [v] = out.versions;
    expect([...(v!.fixes ?? [])].sort()).toEqual([...SHIPPED_466].sort());
    expect(v!.refusals).toEqual([]);
    // The files are 4.6.6's, so the patch is 4.6.6's, byte for byte.
    const patch = fs.readFileSync(path.join(scratch, 'patches', '@clerk+expo+4.6.7.patch'), 'utf8');
    expect(patch).toBe(fs.readFileSync(path.join(ROOT, 'patches', '@clerk+expo+4.6.6.patch'), 'utf8'));
    const manifest = JSON.parse(fs.readFileSync(path.join(scratch, 'patches', 'manifest.json'), 'utf8')) as {
      patches: { package: string; version: string; fixes: string[] }[];
    };
    expect(manifest.patches.find((p) => p.package === '@clerk/expo' && p.version === '4.6.7')?.fixes.sort()).toEqual(
      [...SHIPPED_466].sort(),
    );
    expect(fs.readFileSync(path.join(scratch, 'README.md'), 'utf8')).toMatch(
      /\| F \| `token-cache-keeps-session-on-read-error` .*\| 3\.0\.1–4\.6\.7 \(41\) \|/,
    );
    expect(fs.readFileSync(path.join(scratch, 'docs', 'versions.md'), 'utf8')).toContain('| @clerk/expo | 4.6.7 |');
    // The row, pristine and patched, as 4.6.6's committed cells (the same files), written to the matrix data.
    const after = readStore(path.join(scratch, 'docs', 'session-matrix.json'));
    for (const s of SLICE)
      for (const variant of ['pristine', 'patched']) {
        const cell = v!.row.find((c) => c.scenario === s && c.variant === variant);
        expect(cell?.result, `${variant} ${s}`).toBe(before.cells[`4.6.6 ${variant} ${s}`]?.result);
        expect(after.cells[`4.6.7 ${variant} ${s}`]?.result).toBe(cell?.result);
      }
    expect(v!.row.filter((c) => c.variant === 'patched').every((c) => ['kept', 'signed out'].includes(c.result))).toBe(true);
    const text = report();
    expect(text).toContain('## @clerk/expo 4.6.7');
    // Letters in the fixes' registry order, as generate names them.
    expect(text).toContain(`### Patch \`@clerk+expo+4.6.7.patch\` (${LETTERS_466})`);
    expect(text).toMatch(/\| locked-keychain-at-launch \| lost \| kept \| +\|/);
    expect(text).toContain('`patches/@clerk+expo+4.6.7.patch`');
  });

  it('exits 2 on 4.7.0, naming Fix I and the anchor it could not find, and writes nothing', async () => {
    await publish(reg, v470, 'upstream-test');
    const before = treeHash(scratch);
    const r = await upstream(reg.url);
    expect(r.status, r.stderr).toBe(2);
    const [v] = json(r).versions;
    expect(v!.version).toBe('4.7.0');
    expect(v!.refusals.map((x) => x.fixId)).toEqual([I]);
    expect(v!.refusals[0]!.anchor).toContain('if (result) return;');
    expect(report()).toMatch(
      /\*\*Fix I\*\* \(`unauthenticated-recovery-signs-out-without-native-token`\).*expected .*`if \(result\) return;`/,
    );
    expect(treeHash(scratch)).toEqual(before);
  });

  it('exits 2 with the reason, writing nothing, when a tarball fails its integrity, the registry is down or never answers', async () => {
    // 4.6.8's tarball in verdaccio's storage replaced by other bytes: its dist.integrity no longer matches.
    await publish(reg, v468, 'upstream-test');
    const stored = path.join(reg.storage, '@clerk', 'expo', 'expo-4.6.8.tgz');
    expect(fs.existsSync(stored)).toBe(true);
    fs.copyFileSync(path.join(reg.storage, '@clerk', 'expo', 'expo-4.7.0.tgz'), stored);
    const before = treeHash(scratch);
    const bad = await upstream(reg.url);
    expect(bad.status, bad.stderr).toBe(2);
    expect(json(bad).error).toMatch(/integrity check failed for @clerk\/expo@4\.6\.8/);
    expect(report()).toContain('integrity');

    // A port nothing listens on.
    const closed = await freePort();
    const down = await upstream(`http://127.0.0.1:${closed}/`, { CLERK_EXPO_PATCHES_FETCH_RETRIES: '0' });
    expect(down.status, down.stderr).toBe(2);
    expect(json(down).error).toMatch(/did not answer/);

    // A registry that accepts the connection and never answers.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const hung = await upstream(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`, {
        CLERK_EXPO_PATCHES_TIMEOUT_MS: '2000',
        CLERK_EXPO_PATCHES_FETCH_RETRIES: '0',
      });
      expect(hung.status, hung.stderr).toBe(2);
      expect(json(hung).error).toMatch(/did not answer/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
    expect(treeHash(scratch)).toEqual(before);
  });
});
