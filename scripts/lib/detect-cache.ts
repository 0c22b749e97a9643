import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from './hash.ts';
import { cacheDir } from './registry.ts';
import { ROOT } from './paths.ts';
import type { Detection, Fix } from './fix.ts';

/**
 * Memoises detect() on disk, keyed by the file's sha256 and a hash of the codemod sources
 * (scripts/fixes and the scripts/lib files detectors use), so editing a codemod invalidates
 * every entry. verify uses it
 * to classify the dozens of registry versions no patch targets; patched files are always
 * re-detected.
 */
let codeHash: string | undefined;
function codemodHash(): string {
  if (codeHash) return codeHash;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'scripts', 'fixes'));
  // The library files a detector can reach; the rest of scripts/lib (registry, CLI plumbing)
  // cannot change a detection.
  for (const f of ['fix.ts', 'js-ast.ts', 'swift-ast.ts', 'edits.ts', 'entry-points.ts', 'expo-ios-bridge.ts']) {
    const p = path.join(ROOT, 'scripts', 'lib', f);
    if (fs.existsSync(p)) files.push(p);
  }
  codeHash = sha256(files.sort().map((f) => `${path.relative(ROOT, f)}\0${fs.readFileSync(f, 'utf8')}`).join('\0'));
  return codeHash;
}

export function cachedDetect(fix: Fix, text: string, file: string): Detection {
  if (process.env.CLERK_EXPO_PATCHES_NO_DETECT_CACHE === '1') return fix.detect(text, file);
  const key = sha256(`${codemodHash()}\0${fix.id}\0${file}\0${sha256(text)}`);
  const p = path.join(cacheDir(), 'detect', `${key}.json`);
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8')) as Detection;
  } catch {
    const d = fix.detect(text, file);
    try {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(`${p}.${process.pid}.tmp`, JSON.stringify(d));
      fs.renameSync(`${p}.${process.pid}.tmp`, p);
    } catch {
      /* a read-only cache only costs speed */
    }
    return d;
  }
}
