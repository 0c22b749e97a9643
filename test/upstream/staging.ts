import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../scripts/infra/paths.ts';

/**
 * The staging area of `npm run upstream`: a temp folder that mirrors the repository files the
 * command may change (patches/, README.md, docs/…). Everything is computed and proven there
 * first; commit() copies the changed files into the repository only when every step passed,
 * and discard() leaves the repository as it was.
 */
export class Staging {
  readonly dir: string;

  constructor(
    readonly root: string,
    /** Repository-relative files and folders the run may change, copied into the staging area. */
    readonly paths: readonly string[],
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clerk-expo-upstream-'));
    for (const p of paths) {
      const from = path.join(root, p);
      if (fs.existsSync(from)) fs.cpSync(from, path.join(this.dir, p), { recursive: true });
    }
  }

  /** The staged copy of a repository-relative path. */
  at(p: string): string {
    return path.join(this.dir, p);
  }

  write(p: string, text: string): void {
    writeFileAtomic(this.at(p), text);
  }

  /** The repository-relative files whose staged copy differs from the repository's (or is new). */
  changed(): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
      const staged = this.at(rel);
      if (!fs.existsSync(staged)) return;
      if (fs.statSync(staged).isDirectory()) {
        for (const f of fs.readdirSync(staged).sort()) walk(path.join(rel, f));
        return;
      }
      const live = path.join(this.root, rel);
      if (!fs.existsSync(live) || !fs.readFileSync(live).equals(fs.readFileSync(staged))) out.push(rel);
    };
    for (const p of this.paths) walk(p);
    return out;
  }

  /** Copies every changed file into the repository (each atomically); returns them. */
  commit(): string[] {
    const files = this.changed();
    for (const f of files) writeFileAtomic(path.join(this.root, f), fs.readFileSync(this.at(f), 'utf8'));
    return files;
  }

  discard(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
