import fs from 'node:fs';
import path from 'node:path';
import { ToolError } from '../../core/errors.ts';
import { readText } from '../../infra/paths.ts';

export const LOCK_FILE = '.clerk-expo-patches.lock';

/** One sync at a time per app: an exclusive lock file holding the owner's pid. */
export function acquireLock(appDir: string): () => void {
  const lock = path.join(appDir, LOCK_FILE);
  try {
    fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = readText(lock)?.trim() || 'unknown';
    throw new ToolError(
      `another clerk-expo-patches sync is running in ${appDir} (lock ${LOCK_FILE}, pid ${owner})`,
      `wait for it to finish; if no sync is running, delete ${lock}`,
    );
  }
  return () => fs.rmSync(lock, { force: true });
}
