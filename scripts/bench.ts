/**
 * npm run bench — prints timing and size figures (medians), never asserts them.
 *   --runs N       repetitions for the per-bundle figures (default 5; 0 skips them)
 *   --bytes 0      skips the patch-bytes table
 *   --matrix N     repetitions of the warm generate/verify matrix (default 1; 0 skips it)
 *   --cold         also time generate+verify once with an empty cache (downloads everything)
 *   --consumer N   repetitions of the consumer-app install/check timings (default 3; 0 skips them)
 *   --package N    the packed package in a fresh Expo SDK 54 app: tarball, install footprint,
 *                  and N timed runs of `check` (warm cache and cold: an empty one) beside `node -e 0`,
 *                  and `npx patch-package` (default 3; 0 skips)
 *   --expo-app DIR for --package: copy this installed Expo app instead of installing the template
 *   --deps 0       skips the disk figure of the device harness's installed dependency sets
 *   --sessions N   the session-loss matrix, warm (`npm run matrix -- --dry-run`: both tables, every cell),
 *                  N runs, beside one cell run the same way as the baseline (default 0: it takes minutes)
 *   --ci N         `.ci/run` in a fresh clone of HEAD, N runs (default 0)
 *   --upstream N   `npm run upstream` on a new @clerk/expo (4.6.6's files published as 4.6.7 to a
 *                  local verdaccio) to a complete report with a verified patch and its whole matrix
 *                  row, N runs, beside the same command with nothing new (default 0: it takes minutes)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import ts from 'typescript';
import { FIXES } from './fixes/index.ts';
import { fetchPackage } from './produce/npm-registry.ts';
import { forgetParses } from './codemod/js-ast.ts';
import { readManifest } from './patch-file/manifest.ts';
import { applyWithPatchPackage } from './patch-file/apply.ts';
import { editedLinesFloor } from './patch-file/write.ts';
import { PATCHES_DIR, ROOT } from './infra/paths.ts';
import { config } from './infra/config.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const RUNS = arg('--runs', 5);
const MATRIX = arg('--matrix', 1);
const COLD = process.argv.includes('--cold');
const CONSUMER = arg('--consumer', 3);
const PACKAGE = arg('--package', 3);
const BYTES = arg('--bytes', 1);
const DEPS = arg('--deps', 1);
const SESSIONS = arg('--sessions', 0);
const CI_RUNS = arg('--ci', 0);
const UPSTREAM = arg('--upstream', 0);
const EXPO_APP = (() => {
  const i = process.argv.indexOf('--expo-app');
  return i === -1 ? undefined : path.resolve(process.argv[i + 1]!);
})();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const time = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
const fmt = (msv: number) => (msv >= 1000 ? `${(msv / 1000).toFixed(1)} s` : `${msv.toFixed(0)} ms`);

async function perBundle() {
  if (RUNS <= 0) return;
  const fixA = FIXES.find((f) => f.id === 'headless-background-refresh')!;
  const pkg = await fetchPackage('@clerk/clerk-js', '6.7.1');
  console.log(`\n## Fix A codemod vs bare TypeScript parse (@clerk/clerk-js 6.7.1, median of ${RUNS})`);
  console.log('| bundle | size | bare parse | codemod (detect+apply) | ratio |');
  console.log('|---|---|---|---|---|');
  for (const file of fixA.targets(pkg)) {
    const text = pkg.read(file)!;
    const parse: number[] = [];
    const codemod: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      parse.push(time(() => ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)));
      forgetParses();
      codemod.push(time(() => fixA.apply(text, file)));
      forgetParses();
    }
    console.log(
      `| ${file} | ${(text.length / 1024).toFixed(0)} KB | ${fmt(median(parse))} | ${fmt(median(codemod))} | ${(median(codemod) / median(parse)).toFixed(2)}× |`,
    );
  }
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'clerk-expo-patches.mjs'), ...args], { env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`clerk-expo-patches ${args.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

function matrix() {
  if (MATRIX > 0) {
    const gen: number[] = [];
    const ver: number[] = [];
    cli(['verify']); // warm every cache first
    for (let i = 0; i < MATRIX; i++) {
      gen.push(cli(['generate']));
      ver.push(cli(['verify']));
    }
    console.log(`\n## Full matrix, warm cache (median of ${MATRIX})`);
    console.log(`generate ${fmt(median(gen))} · verify ${fmt(median(ver))} · together ${fmt(median(gen) + median(ver))}`);
    // The same with every codemod run for real (no memoised builds or detections).
    const env = { ...process.env, CLERK_EXPO_PATCHES_NO_MEMO: '1' };
    const g = cli(['generate'], env);
    const v = cli(['verify'], env);
    console.log(`codemods forced (CLERK_EXPO_PATCHES_NO_MEMO=1, one run): generate ${fmt(g)} · verify ${fmt(v)} · together ${fmt(g + v)}`);
  }
  if (COLD) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-bench-cold-'));
    const env = { ...process.env, CLERK_EXPO_PATCHES_CACHE: cache };
    const g = cli(['generate'], env);
    const v = cli(['verify'], env);
    fs.rmSync(cache, { recursive: true, force: true });
    console.log(`\n## Full matrix, cold cache (one run)\ngenerate ${fmt(g)} · verify ${fmt(v)} · together ${fmt(g + v)}`);
  }
}

async function patchBytes() {
  if (BYTES <= 0) return;
  const m = readManifest();
  console.log('\n## Patch bytes vs the floor (original + new text of the edited lines)');
  console.log('| patch | bytes | floor | ratio |');
  console.log('|---|---|---|---|');
  const ratios: number[] = [];
  for (const e of m.patches) {
    const text = fs.readFileSync(path.join(PATCHES_DIR, e.patch), 'utf8');
    const pkg = await fetchPackage(e.package, e.version, e.integrity);
    const after = applyWithPatchPackage(e.package, text, (p) => pkg.read(p));
    const floor = editedLinesFloor(e.files.map((f) => ({ path: f.path, before: pkg.read(f.path)!, after: after.get(f.path)! })));
    const bytes = Buffer.byteLength(text);
    ratios.push(bytes / floor);
    console.log(`| ${e.patch} | ${bytes} | ${floor} | ${(bytes / floor).toFixed(4)}× |`);
  }
  console.log(`max ratio ${Math.max(...ratios).toFixed(4)}×`);
}

function sh(cmd: string, args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: 'ignore',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status} in ${cwd}`);
  return performance.now() - t0;
}

/** A throwaway npm app on @clerk/clerk-js 6.7.1: install time without and with the postinstall patch, and check. */
function consumer() {
  if (CONSUMER <= 0) return;
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-bench-app-'));
  fs.writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'bench-app', private: true, dependencies: { '@clerk/clerk-js': '6.7.1' } }, null, 2),
  );
  const reinstall = (...extra: string[]) => {
    fs.rmSync(path.join(app, 'node_modules'), { recursive: true, force: true });
    return sh('npm', ['install', '--no-audit', '--no-fund', '--legacy-peer-deps', ...extra], app);
  };
  reinstall(); // sync wires patches for what is installed
  cli(['sync', '--cwd', app]);
  reinstall(); // warm npm's cache with the app's full dependency set (patch-package included)
  // Same dependency set and flags both ways; only the root postinstall (patch-package) differs.
  const pjFile = path.join(app, 'package.json');
  const synced = fs.readFileSync(pjFile, 'utf8');
  const pj = JSON.parse(synced) as { scripts?: Record<string, string> };
  delete pj.scripts?.postinstall;
  const plain = `${JSON.stringify(pj, null, 2)}\n`;
  const without: number[] = [];
  const withPatch: number[] = [];
  for (let i = 0; i < CONSUMER; i++) {
    fs.writeFileSync(pjFile, plain);
    without.push(reinstall());
    fs.writeFileSync(pjFile, synced);
    withPatch.push(reinstall());
  }
  const patchPackage = Array.from({ length: CONSUMER }, () => {
    reinstall('--ignore-scripts');
    return sh(path.join(app, 'node_modules', '.bin', 'patch-package'), ['--error-on-fail'], app);
  });
  const check = Array.from({ length: CONSUMER }, () => cli(['check', '--cwd', app]));
  fs.rmSync(app, { recursive: true, force: true });
  console.log(`\n## Consumer app (npm, @clerk/clerk-js 6.7.1, median of ${CONSUMER})`);
  const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
  console.log(
    `npm install (clean node_modules, same dependencies): without the postinstall ${fmt(median(without))} (${spread(without)}) · with it ${fmt(median(withPatch))} (${spread(withPatch)}) · added ${fmt(median(withPatch) - median(without))}`,
  );
  console.log(`patch-package alone (the postinstall step): ${fmt(median(patchPackage))}`);
  console.log(`clerk-expo-patches check: ${fmt(median(check))}`);
}

/** Runs a command; its wall time in ms. Exit codes in `ok` count as success. */
function run(cmd: string, args: string[], cwd: string, ok: number[] = [0], env: Record<string, string> = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: 'ignore',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', CI: '1', ...env },
  });
  if (!ok.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status} in ${cwd}`);
  return performance.now() - t0;
}

/** Apparent size of a folder's files (symlinks not followed). */
function bytesIn(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += bytesIn(p);
    else if (e.isFile()) n += fs.statSync(p).size;
  }
  return n;
}

/** The installed package folders of an npm app, as its lockfile lists them (node_modules/…). */
const lockedPackages = (app: string): Set<string> =>
  new Set(
    Object.keys((JSON.parse(fs.readFileSync(path.join(app, 'package-lock.json'), 'utf8')) as { packages: object }).packages).filter(
      (k) => k !== '',
    ),
  );

/** What an install added: the package folders new in the lockfile, and their bytes on disk (nested ones counted once). */
function addedBy(before: Set<string>, app: string): { packages: string[]; bytes: number } {
  const added = [...lockedPackages(app)].filter((k) => !before.has(k)).sort();
  const outer = added.filter((k) => !added.some((o) => o !== k && k.startsWith(`${o}/`)));
  return { packages: added, bytes: outer.reduce((n, k) => n + (fs.existsSync(path.join(app, k)) ? bytesIn(path.join(app, k)) : 0), 0) };
}

/**
 * The published package as an Expo team meets it: `npm pack` (prepack builds dist/), installed
 * into a fresh Expo SDK 54 app (the registry's blank TypeScript template + @clerk/expo 3.2.8, which
 * brings @clerk/clerk-js 6.40.0, and already has typescript); what the install adds; sync and an
 * install (3.2.8 patched); then `check` through node_modules/.bin, timed beside `node -e 0` in the
 * same run: warm (its detect() memo in the cache) and cold (an empty cache, as on a CI runner),
 * and `npx patch-package` (what the postinstall runs).
 */
function packaged() {
  if (PACKAGE <= 0) return;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-bench-pkg-'));
  const packOut = spawnSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (packOut.status !== 0) throw new Error(`npm pack failed:\n${packOut.stderr}`);
  const packed = (JSON.parse(packOut.stdout) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number }>)[0]!;
  const tarball = path.join(work, path.basename(packed.filename));
  const app = path.join(work, 'app');
  if (EXPO_APP) fs.cpSync(EXPO_APP, app, { recursive: true, verbatimSymlinks: true });
  else {
    run('npm', ['pack', 'expo-template-blank-typescript@54.0.48', '--pack-destination', work], work);
    run('tar', ['xzf', 'expo-template-blank-typescript-54.0.48.tgz'], work);
    fs.renameSync(path.join(work, 'package'), app);
    const pj = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    pj.dependencies = { ...pj.dependencies, '@clerk/expo': '3.2.8', 'expo-secure-store': '~15.0.8', 'react-dom': '19.1.0' };
    fs.writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(pj, null, 2)}\n`);
    run('npm', ['install', '--no-audit', '--no-fund'], app);
  }
  const before = lockedPackages(app);
  const install = run('npm', ['install', '-D', tarball, '--no-audit', '--no-fund'], app);
  const added = addedBy(before, app);
  const bin = path.join(app, 'node_modules', '.bin', 'clerk-expo-patches');
  run(bin, ['sync'], app, [0, 1]);
  run('npm', ['install', '--no-audit', '--no-fund'], app, [0, 1]);
  const patchPackage = run('npx', ['patch-package'], app, [0, 1]);
  // check answers 0 (clean) or 1 (findings); both are answers. Interleaved with the baseline so load hits both alike.
  const warmCache = path.join(work, 'cache-warm');
  run(bin, ['check'], app, [0, 1], { CLERK_EXPO_PATCHES_CACHE: warmCache }); // the first run may memoise detect() for versions no hash answers
  const node: number[] = [];
  const check: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < PACKAGE; i++) {
    node.push(run(process.execPath, ['-e', '0'], app));
    check.push(run(bin, ['check'], app, [0, 1], { CLERK_EXPO_PATCHES_CACHE: warmCache }));
    // A CI runner starts without ~/.cache: a fresh, empty cache folder every run.
    cold.push(run(bin, ['check'], app, [0, 1], { CLERK_EXPO_PATCHES_CACHE: path.join(work, `cache-cold-${i}`) }));
  }
  fs.rmSync(work, { recursive: true, force: true });
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const ratio = median(check) / median(node);
  const coldRatio = median(cold) / median(node);
  console.log(
    `\n## The packed package in a fresh Expo SDK 54 app (${EXPO_APP ? `copy of ${EXPO_APP}` : 'expo-template-blank-typescript@54.0.48 + @clerk/expo 3.2.8, synced and installed'}; median of ${PACKAGE})`,
  );
  console.log(`tarball ${mb(packed.size)}, ${packed.entryCount} files, ${mb(packed.unpackedSize)} unpacked`);
  console.log(
    `npm install -D <tarball>: ${fmt(install)} · adds ${added.packages.length} package(s), ${mb(added.bytes)} (goal ≤ 20 packages, ≤ 20 MB): ${added.packages.map((k) => k.replace(/^node_modules\//, '')).join(', ')}`,
  );
  console.log(
    `check through node_modules/.bin: warm ${fmt(median(check))} · cold (empty cache) ${fmt(median(cold))} · node -e 0: ${fmt(median(node))} · ratios warm ${ratio.toFixed(2)}×, cold ${coldRatio.toFixed(2)}× (goal ≤ 2.5× each) · npx patch-package: ${fmt(patchPackage)}`,
  );
}

/**
 * The device harness's dependency sets as they are in the cache now (test/harness/expo/dependency-set.ts
 * installs them into <cache>/expo-deps/<version>/, files hard-linked into <cache>/expo-deps/.store/):
 * the apparent total (every path's size, as if nothing were shared) against the bytes on disk
 * (allocated blocks, each inode once, directories included, like `du`), and, for the versions not
 * installed here, an extrapolation: each further set costs about what an installed set holds alone.
 */
function dependencySets() {
  if (DEPS <= 0) return;
  const root = path.join(config().cacheDir, 'expo-deps');
  const sets = (fs.existsSync(root) ? fs.readdirSync(root) : [])
    .filter((n) => semver.valid(n) && fs.existsSync(path.join(root, n, 'dependency-set.json')))
    .sort(semver.compare);
  const served = Object.keys(
    (JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'session-matrix.json'), 'utf8')) as { versions: object }).versions,
  ).length;
  console.log(`
## Device-harness dependency sets (${root}): ${sets.length} of ${served} installed`);
  if (sets.length === 0) return console.log('none installed (npm run matrix installs them)');
  const inodes = new Map<string, { bytes: number; sets: Set<string> }>();
  let apparent = 0;
  const walk = (dir: string, owner: string, countApparent: boolean) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      const st = fs.lstatSync(p);
      if (countApparent) apparent += st.size;
      const key = `${st.dev}:${st.ino}`;
      const seen = inodes.get(key) ?? inodes.set(key, { bytes: st.blocks * 512, sets: new Set() }).get(key)!;
      seen.sets.add(owner);
      if (e.isDirectory()) walk(p, owner, countApparent);
    }
  };
  for (const v of sets) walk(path.join(root, v), v, true);
  const store = path.join(root, '.store');
  if (fs.existsSync(store)) walk(store, '.store', false);
  let onDisk = 0;
  const alone = new Map<string, number>(sets.map((v) => [v, 0]));
  for (const { bytes, sets: owners } of inodes.values()) {
    onDisk += bytes;
    const mine = [...owners].filter((o) => o !== '.store');
    if (mine.length === 1) alone.set(mine[0]!, alone.get(mine[0]!)! + bytes);
  }
  const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const perSet = median([...alone.values()]);
  const largest = Math.max(...alone.values());
  const estimate = onDisk + (served - sets.length) * perSet;
  const bound = onDisk + (served - sets.length) * largest;
  const unshared = sets.filter(
    (v) => !(JSON.parse(fs.readFileSync(path.join(root, v, 'dependency-set.json'), 'utf8')) as { sharedFiles?: boolean }).sharedFiles,
  );
  console.log(
    `apparent ${gb(apparent)} (${mb(apparent / sets.length)} per set) · on disk ${gb(onDisk)} (du: blocks, hard links once, store included) · ratio ${(onDisk / apparent).toFixed(2)}×`,
  );
  if (unshared.length > 0) console.log(`not linked to the store yet (installed before it; linked on first use): ${unshared.join(', ')}`);
  console.log(
    `held by one set alone (what a further set adds): median ${mb(perSet)}, max ${mb(largest)}${sets.length < served ? ` · extrapolated to all ${served}: ${gb(onDisk)} + ${served - sets.length} × ${mb(perSet)} ≈ ${gb(estimate)} (each at the max: ${gb(bound)})` : ''}`,
  );
  console.log(
    `goal: all ${served} dependency sets ≤ 1 GB on disk: ${estimate <= 1e9 ? 'met' : 'NOT met'}${sets.length < served ? ' (extrapolated)' : ''}`,
  );
}

/** The session-loss matrix as a whole process, warm, writing nothing; the baseline is one cell run the same way. */
function sessionMatrix() {
  if (SESSIONS <= 0) return;
  const matrixRun = (extra: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'matrix', 'run.ts'), '--dry-run', ...extra], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
    if (r.status !== 0) throw new Error(`npm run matrix -- --dry-run ${extra.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`);
    const cells = Number(/(\d+) cells in/.exec(r.stderr)?.[1] ?? NaN);
    return { ms: performance.now() - t0, cells };
  };
  const one = Array.from({ length: 3 }, () => matrixRun(['--versions', '3.2.7', '--scenarios', 'js-only-relaunch'])).map((r) => r.ms);
  const full = Array.from({ length: SESSIONS }, () => matrixRun([]));
  const ms = median(full.map((r) => r.ms));
  console.log(`\n## Session-loss matrix, warm dependency sets, 2 workers (median of ${SESSIONS}; baseline: one cell, median of 3)`);
  console.log(
    `${full[0]!.cells} cells (both tables, every reading rerun included): ${fmt(ms)} = ${(ms / median(one)).toFixed(0)}× one cell (${fmt(median(one))}) · goal: the full matrix ≤ 5 min on 2 cores: ${ms <= 300_000 ? 'met' : 'NOT met'}`,
  );
}

/** `.ci/run` on a fresh clone of HEAD (what CI runs after a stop), as a whole. */
function ciRuns() {
  if (CI_RUNS <= 0) return;
  const times: number[] = [];
  for (let i = 0; i < CI_RUNS; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-ci-'));
    run('git', ['clone', '--quiet', ROOT, dir], os.tmpdir());
    const t0 = performance.now();
    const r = spawnSync('bash', ['.ci/run'], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
    times.push(performance.now() - t0);
    fs.rmSync(dir, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`.ci/run exited ${r.status} (run ${i + 1})`);
  }
  const ms = median(times);
  console.log(`\n## .ci/run on a fresh clone (median of ${CI_RUNS})\n${fmt(ms)} · goal ≤ 600 s: ${ms <= 600_000 ? 'met' : 'NOT met'}`);
}

/**
 * A new upstream version to its report (test/upstream/bench-case.ts: verdaccio, a scratch copy of
 * the repository, the new version's dependency set and codemods cold, every other cache warm);
 * the baseline, in the same process, is the same command when the registry has nothing new.
 */
function upstreamRuns() {
  if (UPSTREAM <= 0) return;
  const runs = Array.from({ length: UPSTREAM }, (_, i) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'upstream', 'bench-case.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`test/upstream/bench-case.ts exited ${r.status} (run ${i + 1})`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      baselineMs: number;
      ms: number;
      exitCode: number;
      cells: number;
      report: string;
    };
    const file = path.join(os.tmpdir(), 'clerk-expo-patches-bench-upstream-report.md');
    fs.writeFileSync(file, out.report);
    console.log(`(run ${i + 1}: the report it wrote is in ${file})`);
    if (out.exitCode !== 1) throw new Error(`npm run upstream exited ${out.exitCode} on the new version (run ${i + 1}), not 1`);
    return out;
  });
  const ms = median(runs.map((r) => r.ms));
  const base = median(runs.map((r) => r.baselineMs));
  console.log(
    `\n## A new @clerk/expo version to a verified patch, its matrix row and the report (median of ${UPSTREAM}; baseline: nothing new)`,
  );
  console.log(
    `${fmt(ms)} for ${runs[0]!.cells} matrix cells = ${(ms / base).toFixed(1)}× nothing new (${fmt(base)}) · goal ≤ 10 min on 2 cores: ${ms <= 600_000 ? 'met' : 'NOT met'}`,
  );
}

console.log(`# clerk-expo-patches bench — ${os.cpus().length} cores, node ${process.version}`);
await perBundle();
await patchBytes();
matrix();
consumer();
packaged();
dependencySets();
sessionMatrix();
ciRuns();
upstreamRuns();
