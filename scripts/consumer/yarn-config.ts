import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** `nodeLinker` from the app's .yarnrc.yml (yarn berry), or undefined when unset (yarn's default: pnp). */
export function yarnNodeLinker(appDir: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(appDir, '.yarnrc.yml'), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^nodeLinker:\s*["']?([\w-]+)["']?\s*$/m.exec(text);
  return m?.[1];
}

/**
 * Yarn berry's lockfile: the npm descriptors (name@npm:<range>) that resolved to name@version.
 * A lockfile entry's key lists its descriptors, comma-separated; `resolution:` names the locator.
 * patch: entries are skipped (they wrap an npm entry that is listed on its own).
 */
export function yarnLockDescriptors(lockText: string, name: string, version: string): string[] {
  const out = new Set<string>();
  const blocks = lockText.split(/\n(?=\S)/);
  // Once patched, the patch: entry wraps an inner name@npm:<version> descriptor: not one of the app's ranges.
  const inner = `${name}@npm:${version}`;
  const wrapped = blocks.some((b) => (b.split('\n')[0] ?? '').includes(`@patch:${name}@npm%3A${version}#`));
  for (const block of blocks) {
    const head = /^"?(.+?)"?:\s*$/m.exec(block.split('\n')[0] ?? '');
    const resolution = /^\s+resolution:\s*"?([^"\n]+)"?\s*$/m.exec(block);
    if (!head || !resolution || resolution[1] !== `${name}@npm:${version}`) continue;
    for (const d of head[1]!.split(/,\s*/)) {
      if (d.startsWith(`${name}@npm:`) && !(wrapped && d === inner)) out.add(d);
    }
  }
  return [...out].sort();
}

/**
 * yarn berry's major version: the `packageManager` field, else the yarn running us (user agent
 * "yarn/4.18.1 …"), else `yarn --version` in the app (its yarnPath or corepack pin). undefined when
 * nothing answers.
 */
export function yarnBerryMajor(pkg: Record<string, unknown>, userAgent: string | undefined, appDir: string): number | undefined {
  const field = typeof pkg.packageManager === 'string' ? /^yarn@(\d+)\./.exec(pkg.packageManager) : null;
  if (field) return Number(field[1]);
  const agent = userAgent ? /^yarn\/(\d+)\./.exec(userAgent) : null;
  if (agent) return Number(agent[1]);
  const r = spawnSync('yarn', ['--version'], {
    cwd: appDir,
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const m = r.status === 0 ? /^(\d+)\./.exec(r.stdout.trim()) : null;
  return m ? Number(m[1]) : undefined;
}
