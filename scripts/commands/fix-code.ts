import type { Fix } from '../core/fix.ts';
import { ToolError } from '../core/errors.ts';

/**
 * The fixes' code, loaded only when the manifest's hashes do not answer (sync --allow-unverified,
 * or check on files that are neither a shipped patch's input nor its output). JS detection runs
 * on the `typescript` package — in an app, its own copy; without it, say what to install.
 */
export async function loadFixCode(): Promise<typeof import('../fixes/index.ts')> {
  try {
    return await import('../fixes/index.ts');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && /['"]typescript['"]/.test(e.message)) {
      throw new ToolError(
        'the installed files do not match a shipped patch by hash, so their code must be read, and that needs the `typescript` package, which is not installed',
        "install it in the app (`npm i -D typescript`, or your package manager's add; Expo apps usually have it), then run the command again",
      );
    }
    throw err;
  }
}

/** The fixes (code) that target one package, loaded on first use. */
export const fixCodeFor = async (pkg: string): Promise<Fix[]> => (await loadFixCode()).fixesFor(pkg);
