import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { listVersions } from '../../scripts/produce/npm-registry.ts';

/**
 * New releases of the toolchains the compatibility matrix records (docs/compatibility.json,
 * written by `npm run compat`): for each tool, the registry's stable versions newer than the
 * newest one recorded. The JSON is read loosely: any object with a tool name (`tool`, `name` or
 * `packageManager`) and a `version` counts as a recorded version.
 */
export const TOOL_PACKAGES: Record<string, string> = {
  npm: 'npm',
  pnpm: 'pnpm',
  yarn: 'yarn',
  'yarn-classic': 'yarn',
  'yarn-berry': '@yarnpkg/cli-dist',
  bun: 'bun',
  expo: 'expo',
};

export interface ToolchainNews {
  /** Why nothing was listed (no compatibility record), or undefined. */
  skipped?: string;
  tools: { tool: string; package: string; recorded: string; newer: string[] }[];
}

export function recordedVersions(doc: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    const tool = [o.tool, o.name, o.packageManager].find((x): x is string => typeof x === 'string' && x in TOOL_PACKAGES);
    const version = typeof o.version === 'string' ? semver.valid(semver.coerce(o.version)) : null;
    if (tool && version) out.set(tool, [...(out.get(tool) ?? []), version]);
    Object.values(o).forEach(visit);
  };
  visit(doc);
  return out;
}

export async function toolchainNews(root: string): Promise<ToolchainNews> {
  const file = path.join(root, 'docs', 'compatibility.json');
  if (!fs.existsSync(file)) return { skipped: 'docs/compatibility.json does not exist yet (`npm run compat` writes it)', tools: [] };
  const recorded = recordedVersions(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (recorded.size === 0) return { skipped: 'docs/compatibility.json records no toolchain version', tools: [] };
  const tools: ToolchainNews['tools'] = [];
  for (const [tool, versions] of [...recorded].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const newest = versions.sort(semver.compare).at(-1)!;
    const pkg = TOOL_PACKAGES[tool]!;
    const served = (await listVersions(pkg, { online: true })).map((v) => v.version);
    tools.push({ tool, package: pkg, recorded: newest, newer: served.filter((v) => semver.gt(v, newest)) });
  }
  return { tools };
}
