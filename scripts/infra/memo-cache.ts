import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { sha256 } from './hash.ts';
import { config } from './config.ts';
import { SCRIPTS } from './paths.ts';

/**
 * On-disk memo for pure functions of (codemod sources, input): detect() results and built
 * patches. Every key includes a hash of every source file in the folders the codemods, the
 * pipeline and the patch writer live in (CODE_FOLDERS, whole folders: a renamed or new file is
 * hashed too), so editing any of them invalidates every entry. Values are written atomically; a
 * read-only or damaged cache only costs speed. CLERK_EXPO_PATCHES_NO_MEMO=1 turns it off.
 */
export const CODE_FOLDERS = ['core', 'codemod', 'fixes', 'patch-file', 'produce', 'provenance', 'infra'] as const;

let codeHash: string | undefined;
export function codemodHash(): string {
  if (codeHash) return codeHash;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs|js)$/.test(e.name)) files.push(p);
    }
  };
  // The published package ships no producer folders (produce/): hash what is there.
  for (const folder of CODE_FOLDERS) if (fs.existsSync(path.join(SCRIPTS, folder))) walk(path.join(SCRIPTS, folder));
  codeHash = sha256(
    files
      .sort()
      .map((f) => `${path.relative(SCRIPTS, f)}\0${fs.readFileSync(f, 'utf8')}`)
      .join('\0'),
  );
  return codeHash;
}

export const memoEnabled = (): boolean => config().memo;

const memoFile = (kind: string, parts: string[]): string =>
  path.join(config().cacheDir, kind, `${sha256([codemodHash(), ...parts].join('\0'))}.json`);

function read<T>(file: string): { value: T } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { value: T };
  } catch {
    return undefined;
  }
}

function write(file: string, value: unknown): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${threadId}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ value }));
    fs.renameSync(tmp, file);
  } catch {
    /* a read-only cache only costs speed */
  }
}

/** The memoised value for `parts` in `kind`, computing and storing it on a miss. */
export function memo<T>(kind: string, parts: string[], compute: () => T): T {
  if (!memoEnabled()) return compute();
  const file = memoFile(kind, parts);
  const hit = read<T>(file);
  if (hit) return hit.value;
  const value = compute();
  write(file, value);
  return value;
}

/** The memoised value for `parts` in `kind`, if one is stored (nothing is computed). */
export function recall<T>(kind: string, parts: string[]): { value: T } | undefined {
  return memoEnabled() ? read<T>(memoFile(kind, parts)) : undefined;
}

export async function memoAsync<T>(kind: string, parts: string[], compute: () => Promise<T>): Promise<T> {
  if (!memoEnabled()) return compute();
  const file = memoFile(kind, parts);
  const hit = read<T>(file);
  if (hit) return hit.value;
  const value = await compute();
  write(file, value);
  return value;
}
