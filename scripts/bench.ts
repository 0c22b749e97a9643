/**
 * npm run bench — prints timing and size figures (medians), never asserts them.
 *   --runs N       repetitions for the per-bundle figures (default 5)
 *   --matrix N     repetitions of the warm generate/verify matrix (default 1; 0 skips it)
 *   --cold         also time generate+verify once with an empty cache (downloads everything)
 *   --consumer N   repetitions of the consumer-app install/check timings (default 3; 0 skips them)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { FIXES } from './fixes/index.ts';
import { fetchPackage } from './produce/npm-registry.ts';
import { forgetParses } from './codemod/js-ast.ts';
import { readManifest } from './patch-file/manifest.ts';
import { applyWithPatchPackage } from './patch-file/apply.ts';
import { editedLinesFloor } from './patch-file/write.ts';
import { PATCHES_DIR, ROOT } from './infra/paths.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const RUNS = arg('--runs', 5);
const MATRIX = arg('--matrix', 1);
const COLD = process.argv.includes('--cold');
const CONSUMER = arg('--consumer', 3);

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
    console.log(`| ${file} | ${(text.length / 1024).toFixed(0)} KB | ${fmt(median(parse))} | ${fmt(median(codemod))} | ${(median(codemod) / median(parse)).toFixed(2)}× |`);
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
  const r = spawnSync(cmd, args, { cwd, stdio: 'ignore', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status} in ${cwd}`);
  return performance.now() - t0;
}

/** A throwaway npm app on @clerk/clerk-js 6.7.1: install time without and with the postinstall patch, and check. */
function consumer() {
  if (CONSUMER <= 0) return;
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-bench-app-'));
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'bench-app', private: true, dependencies: { '@clerk/clerk-js': '6.7.1' } }, null, 2));
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
  console.log(`npm install (clean node_modules, same dependencies): without the postinstall ${fmt(median(without))} (${spread(without)}) · with it ${fmt(median(withPatch))} (${spread(withPatch)}) · added ${fmt(median(withPatch) - median(without))}`);
  console.log(`patch-package alone (the postinstall step): ${fmt(median(patchPackage))}`);
  console.log(`clerk-expo-patches check: ${fmt(median(check))}`);
}

console.log(`# clerk-expo-patches bench — ${os.cpus().length} cores, node ${process.version}`);
await perBundle();
await patchBytes();
matrix();
consumer();
