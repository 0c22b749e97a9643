import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// patch-package's own parser and applier: the code that runs in the user's postinstall.
const { parsePatchFile } = require('patch-package/dist/patch/parse') as {
  parsePatchFile(text: string): Array<{ type: string; path?: string; hunks?: unknown[] }>;
};
const { executeEffects } = require('patch-package/dist/patch/apply') as {
  executeEffects(effects: unknown, opts: { dryRun: boolean; cwd?: string; bestEffort: boolean; errors?: string[] }): void;
};

export interface ParsedFile {
  type: string;
  /** Path inside the package. */
  path: string;
  hunks: number;
}

/** Parses a patch with patch-package's parser; every file must be a plain patch inside `pkgName`. */
export function parsePatch(pkgName: string, text: string): ParsedFile[] {
  const prefix = `node_modules/${pkgName}/`;
  return parsePatchFile(text).map((e) => {
    if (e.type !== 'patch' || !e.path?.startsWith(prefix))
      throw new Error(`unexpected ${e.type} of ${e.path ?? '?'} in a patch for ${pkgName}`);
    return { type: e.type, path: e.path.slice(prefix.length), hunks: e.hunks?.length ?? 0 };
  });
}

/**
 * Applies a patch-package patch to in-memory files exactly as patch-package would in a user's
 * node_modules: a temp project holding node_modules/<pkg>/<files>, a dry run, then the real run.
 * Returns the patched text of every file the patch names.
 */
export function applyWithPatchPackage(pkgName: string, patchText: string, files: (p: string) => string | undefined): Map<string, string> {
  const parsed = parsePatch(pkgName, patchText);
  const effects = parsePatchFile(patchText);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-apply-'));
  try {
    for (const f of parsed) {
      const text = files(f.path);
      if (text === undefined) throw new Error(`the patch names ${f.path}, which ${pkgName} does not contain`);
      const target = path.join(dir, 'node_modules', pkgName, f.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
    executeEffects(effects, { dryRun: true, cwd: dir, bestEffort: false });
    executeEffects(effects, { dryRun: false, cwd: dir, bestEffort: false });
    return new Map(parsed.map((f) => [f.path, fs.readFileSync(path.join(dir, 'node_modules', pkgName, f.path), 'utf8')]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
