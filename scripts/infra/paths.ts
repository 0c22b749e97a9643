import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where patches/ and README.md live), wherever the CLI is run from. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The tool's own source folders (scripts/ in the repository, its compiled copy in the package). */
export const SCRIPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PATCHES_DIR = path.join(ROOT, 'patches');
export const MANIFEST = path.join(PATCHES_DIR, 'manifest.json');
export const README = path.join(ROOT, 'README.md');
/** The table of every shipped patch (generate writes it, like the README's table). */
export const VERSIONS_DOC = path.join(ROOT, 'docs', 'versions.md');
/**
 * The shipped patches as the consumer reads them: in the published package, dist/patches/ (the
 * manifest plain, every patch brotli-compressed, written at pack time); in the repository,
 * patches/ itself.
 */
export const SHIPPED_PATCHES_DIR = fs.existsSync(path.join(SCRIPTS, 'patches', 'manifest.json'))
  ? path.join(SCRIPTS, 'patches')
  : PATCHES_DIR;
export const SHIPPED_MANIFEST = path.join(SHIPPED_PATCHES_DIR, 'manifest.json');

/** Writes through a temp file in the same folder and a rename, so a reader never sees half a file. */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** A text file's content, or undefined when it cannot be read. */
export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** This package's own version (package.json at the root of the repository or the installed package). */
export function toolVersion(): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
