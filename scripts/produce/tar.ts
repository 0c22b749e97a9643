import { gunzipSync } from 'node:zlib';

/**
 * Reads an npm tarball (gzip'd ustar, as `npm pack` writes it) into memory.
 * Handles pax ('x') and GNU long-name ('L') headers. Paths are returned without the leading
 * "package/" folder that npm puts every file under.
 */
export function readTarball(tgz: Uint8Array): Map<string, Buffer> {
  const data = gunzipSync(tgz);
  const files = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= data.length) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) =>
      header
        .subarray(start, start + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const body = data.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else if (type === '0' || type === '\0') {
      files.set(name.replace(/^[^/]+\//, ''), Buffer.from(body));
    }
  }
  if (offset === 0) throw new Error('not a tar archive (empty)');
  return files;
}
