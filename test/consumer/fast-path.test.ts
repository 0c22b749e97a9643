import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsEntryPoints } from '../../scripts/codemod/entry-points.ts';
import { fetchPackage, type Snapshot } from '../../scripts/produce/npm-registry.ts';

/**
 * What check loads, observed in a fresh process (this worker has loaded everything already):
 * on a manifest hash hit, no TypeScript compiler and no ast-grep; on a miss it parses with
 * `typescript` once, and a later run answers from the on-disk detect() memo without it.
 */
const ROOT = path.resolve(__dirname, '../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-fast-'));
const app = path.join(root, 'app');
const cache = path.join(root, 'cache');
const probe = path.join(root, 'probe.mts');
let pkg: Snapshot;

function install(version: string, from: Snapshot = pkg) {
  const dir = path.join(app, 'node_modules', '@clerk', 'clerk-js');
  fs.rmSync(app, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...from.packageJson, version }));
  for (const f of jsEntryPoints(from)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), from.read(f)!);
  }
  fs.writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'a', private: true, dependencies: { '@clerk/clerk-js': version } }),
  );
  fs.writeFileSync(path.join(app, 'package-lock.json'), '{}\n');
}

interface Probe {
  via: string;
  status: string;
  loaded: string[];
}

/** Runs check in a child process (async: never block this worker) and lists the heavy modules it loaded. */
function probeCheck(): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', probe], {
      cwd: ROOT,
      env: { ...process.env, CLERK_EXPO_PATCHES_CACHE: cache },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Probe) : reject(new Error(`probe exited ${code}:\n${err}`))));
  });
}

beforeAll(async () => {
  pkg = await fetchPackage('@clerk/clerk-js', '6.7.1');
  fs.writeFileSync(
    probe,
    `import { createRequire } from 'node:module';
import { runCheck } from ${JSON.stringify(path.join(ROOT, 'scripts/commands/check.ts'))};
const report = await runCheck({ cwd: ${JSON.stringify(app)} });
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /[\\\\/]node_modules[\\\\/](typescript|@ast-grep)[\\\\/]/.test(f)).map((f) => f.split(/node_modules[\\\\/]/).pop()!.split(/[\\\\/]/)[0]!);
process.stdout.write(JSON.stringify({ via: report.results[0]!.via, status: report.results[0]!.status, loaded: [...new Set(loaded)] }));
`,
  );
});
afterAll(() => {
  if (!process.env.KEEP) fs.rmSync(root, { recursive: true, force: true });
});

describe('check loads a parser only when it must', () => {
  it('a manifest hash hit (pristine 6.7.1) loads neither typescript nor ast-grep', async () => {
    install('6.7.1');
    const r = await probeCheck();
    expect(r).toMatchObject({ via: 'manifest-sha256', status: 'vulnerable' });
    expect(r.loaded).toEqual([]);
  });

  it("a served version no patch targets (6.7.4, fixed upstream) is answered by the manifest's known hashes on a cold cache: no parser", async () => {
    install('6.7.4', await fetchPackage('@clerk/clerk-js', '6.7.4'));
    fs.rmSync(cache, { recursive: true, force: true });
    const r = await probeCheck();
    expect(r).toMatchObject({ via: 'manifest-sha256', status: 'fixed-upstream' });
    expect(r.loaded).toEqual([]);
  });

  it('files no hash knows are parsed with typescript once; the next run answers from the detect() memo without it', async () => {
    // The same code under a version no patch ships for: no hash to match, so its structure is read.
    install('6.99.0');
    const first = await probeCheck();
    expect(first).toMatchObject({ via: 'detect', status: 'vulnerable' });
    expect(first.loaded).toEqual(['typescript']);
    const second = await probeCheck();
    expect(second).toMatchObject({ via: 'detect', status: 'vulnerable' });
    expect(second.loaded).toEqual([]);
  });
});
