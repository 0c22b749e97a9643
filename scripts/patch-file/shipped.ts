import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * The shipped patches on disk. The repository keeps them plain (patches/*.patch); the published
 * package carries them brotli-compressed (<name>.br: the @clerk/clerk-js patches hold whole
 * minified lines, so 2-4 MB each shrink to ~100 KB) and sync writes them out plain in the app.
 */
export const COMPRESSED_SUFFIX = '.br';

/** The text of a shipped patch, plain or compressed; undefined when neither exists. */
export function readShippedPatch(dir: string, name: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    return zlib.brotliDecompressSync(fs.readFileSync(path.join(dir, name + COMPRESSED_SUFFIX))).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Compresses a patch for the package: a window as large as brotli allows, so repeats a bundle apart are found. */
export function compressPatch(text: string): Buffer {
  const buf = Buffer.from(text, 'utf8');
  return zlib.brotliCompressSync(buf, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
    },
  });
}
