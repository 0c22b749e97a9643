/**
 * `npm pack` / `npm publish` (prepack): compiles scripts/ to plain JavaScript in dist/ (tsc,
 * tsconfig.build.json: relative .ts imports rewritten to .js) and writes the shipped patches the
 * consumer reads into dist/patches/: the manifest plain, every patch brotli-compressed (sync
 * writes them out plain in the app). dist/ is never committed.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PATCHES_DIR, ROOT } from './infra/paths.ts';
import { readManifest } from './patch-file/manifest.ts';
import { COMPRESSED_SUFFIX, compressPatch } from './patch-file/shipped.ts';
import { sha256 } from './infra/hash.ts';

const DIST = path.join(ROOT, 'dist');

async function main(): Promise<void> {
  const t0 = performance.now();
  fs.rmSync(DIST, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });

  const manifest = readManifest(path.join(PATCHES_DIR, 'manifest.json'));
  const out = path.join(DIST, 'patches');
  fs.mkdirSync(out, { recursive: true });
  let plain = 0;
  let packed = 0;
  for (const entry of manifest.patches) {
    const text = fs.readFileSync(path.join(PATCHES_DIR, entry.patch), 'utf8');
    if (sha256(text) !== entry.patchSha256) throw new Error(`${entry.patch} does not match its manifest sha256: run \`npm run generate\``);
    const br = compressPatch(text);
    fs.writeFileSync(path.join(out, entry.patch + COMPRESSED_SUFFIX), br);
    plain += Buffer.byteLength(text);
    packed += br.length;
  }
  // Compact: one line, without the provenance labels (`nodes`) only verify reads.
  const shipped = { ...manifest, patches: manifest.patches.map((e) => ({ ...e, files: e.files.map(({ nodes: _nodes, ...f }) => f) })) };
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(shipped));
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  process.stderr.write(
    `build: dist/ compiled; ${manifest.patches.length} patches ${mb(plain)} → ${mb(packed)} compressed; ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`build failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
