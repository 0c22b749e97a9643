import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A content-addressed store of files shared by hard links: `shareFiles(root, store)` replaces
 * every regular file under `root` by a hard link to `<store>/<sha256>-<mode>` (the file's content
 * hash and permission bits), creating that entry from the file itself when it is the first of
 * its kind. Dependency sets of different @clerk/expo versions resolve mostly the same packages,
 * so each set then costs only the files no other set has.
 *
 * Safe with concurrent processes sharing the store:
 * - an entry is created by `link(file, entry)`, atomic: it either appears whole (the file it
 *   links was complete) or fails with EEXIST, and then the existing entry is used;
 * - a file is replaced by linking the entry to a temp name beside it and renaming that over the
 *   file: a reader opens the old or the new inode, both with the same bytes;
 * - an entry removed meanwhile (ENOENT) is created again from the file.
 * Sharing is an optimisation: where the filesystem refuses hard links (another device, no
 * support, too many links), the file stays as it is.
 *
 * Shared files must never be written in place (a write would change every tree linking them):
 * the harness only reads installed packages and lays its own copies out in new files.
 */
export interface ShareStats {
  /** Regular files seen. */
  files: number;
  /** Files now linked to an entry that existed before (their bytes are stored once). */
  shared: number;
  /** Files that became a new store entry. */
  stored: number;
  /** Files left as they were (hard links refused, or an entry whose size does not match). */
  kept: number;
  /** Bytes of the `shared` files (what sharing saved). */
  savedBytes: number;
}

/** Errors after which linking is pointless for the rest of the tree. */
const NO_LINKS = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

export function shareFiles(root: string, store: string): ShareStats {
  const stats: ShareStats = { files: 0, shared: 0, stored: 0, kept: 0, savedBytes: 0 };
  if (!fs.existsSync(root)) return stats;
  fs.mkdirSync(store, { recursive: true });
  let linking = true;
  const visit = (file: string) => {
    const st = fs.lstatSync(file);
    stats.files++;
    if (!linking) return void stats.kept++;
    const entry = path.join(store, `${hashFile(file)}-${(st.mode & 0o7777).toString(8)}`);
    for (let attempt = 0; attempt < 3; attempt++) {
      let existing: fs.Stats;
      try {
        existing = fs.lstatSync(entry);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        try {
          fs.linkSync(file, entry);
          return void stats.stored++;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? '';
          if (code === 'EEXIST') continue; // another process stored it first: use theirs
          if (NO_LINKS.has(code)) linking = false;
          if (NO_LINKS.has(code) || code === 'EMLINK') return void stats.kept++;
          throw e;
        }
      }
      if (existing.ino === st.ino && existing.dev === st.dev) return; // already shared (a rerun)
      if (!existing.isFile() || existing.size !== st.size) return void stats.kept++; // a damaged entry: leave this file alone
      const tmp = `${file}.${process.pid}.share`;
      try {
        fs.linkSync(entry, tmp);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (code === 'ENOENT') continue; // the entry went away: store this file instead
        if (NO_LINKS.has(code)) linking = false;
        if (NO_LINKS.has(code) || code === 'EMLINK') return void stats.kept++;
        throw e;
      }
      fs.renameSync(tmp, file);
      stats.shared++;
      stats.savedBytes += st.size;
      return;
    }
    stats.kept++;
  };
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) visit(p);
      // symlinks (npm's .bin entries) and anything else stay as they are
    }
  };
  walk(root);
  return stats;
}

function hashFile(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
