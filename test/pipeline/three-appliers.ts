/**
 * Applies one patch-package patch with the three appliers people use on it: patch-package's own
 * applier (what runs in a user's postinstall), GNU patch without fuzz and `git apply` without
 * --unidiff-zero. Each works on its own copy of the files; GNU patch and git run as async child
 * processes (never blocking the worker) and must place every hunk at the line the patch states:
 * an "offset" or "fuzz" in their report counts as a failure.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyWithPatchPackage, parsePatch } from '../../scripts/patch-file/apply.ts';

export type Applier = 'patch-package' | 'gnu-patch' | 'git-apply';
export const APPLIERS: readonly Applier[] = ['patch-package', 'gnu-patch', 'git-apply'];

export interface Applied {
  /** Patched text (latin1-safe: read back as utf8, as the inputs were written) of every file the patch names. */
  files: Map<string, string>;
  /** What the applier printed. */
  log: string;
}

const run = (cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          GIT_CEILING_DIRECTORIES: path.dirname(cwd),
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          LC_ALL: 'C',
        },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });

async function inTempTree(
  pkgName: string,
  patchText: string,
  files: (p: string) => string | undefined,
  apply: (dir: string, patchFile: string) => Promise<string>,
): Promise<Applied> {
  const parsed = parsePatch(pkgName, patchText);
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cep-3app-'));
  try {
    for (const f of parsed) {
      const text = files(f.path);
      if (text === undefined) throw new Error(`the patch names ${f.path}, which ${pkgName} does not contain`);
      const target = path.join(dir, 'node_modules', pkgName, f.path);
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.writeFile(target, text);
    }
    const patchFile = path.join(dir, 'the.patch');
    await fs.promises.writeFile(patchFile, patchText);
    const log = await apply(dir, patchFile);
    const out = new Map<string, string>();
    for (const f of parsed) out.set(f.path, await fs.promises.readFile(path.join(dir, 'node_modules', pkgName, f.path), 'utf8'));
    return { files: out, log };
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

const gnuPatch = async (dir: string, patchFile: string): Promise<string> => {
  const r = await run('patch', ['-p1', '--no-backup-if-mismatch', '-F0', '--batch', '-i', patchFile], dir);
  if (r.code !== 0) throw new Error(`GNU patch failed (exit ${r.code}):\n${r.out.slice(0, 4000)}`);
  if (/offset|fuzz/i.test(r.out)) throw new Error(`GNU patch placed a hunk elsewhere than stated:\n${r.out.slice(0, 4000)}`);
  return r.out;
};

const gitApply = async (dir: string, patchFile: string): Promise<string> => {
  const r = await run('git', ['apply', '--verbose', '--whitespace=nowarn', patchFile], dir);
  if (r.code !== 0) throw new Error(`git apply failed (exit ${r.code}):\n${r.out.slice(0, 4000)}`);
  if (/offset|fuzz/i.test(r.out)) throw new Error(`git apply placed a hunk elsewhere than stated:\n${r.out.slice(0, 4000)}`);
  return r.out;
};

export async function applyWith(
  applier: Applier,
  pkgName: string,
  patchText: string,
  files: (p: string) => string | undefined,
): Promise<Applied> {
  if (applier === 'patch-package') return { files: applyWithPatchPackage(pkgName, patchText, files), log: '' };
  return inTempTree(pkgName, patchText, files, applier === 'gnu-patch' ? gnuPatch : gitApply);
}

/** Applies with all three; returns each applier's files. */
export async function applyWithAll(
  pkgName: string,
  patchText: string,
  files: (p: string) => string | undefined,
): Promise<Record<Applier, Map<string, string>>> {
  const [a, b, c] = await Promise.all(APPLIERS.map((x) => applyWith(x, pkgName, patchText, files)));
  return { 'patch-package': a!.files, 'gnu-patch': b!.files, 'git-apply': c!.files };
}
