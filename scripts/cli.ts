import { ShapeError, ToolError } from './core/errors.ts';
import { REPORT_SCHEMA_VERSION, type ErrorReport } from './core/report.ts';
import { FIX_CATALOG as FIXES } from './fixes/catalog.ts';
import { isTargetPackage, TARGET_PACKAGES as PACKAGES, type TargetPackage } from './core/targets.ts';

const USAGE = `clerk-expo-patches — verified patches for Clerk's Expo SDK

Usage: clerk-expo-patches <command> [options]

Commands (for this repository's maintainers):
  generate   build every patch from the pristine registry tarballs; writes patches/,
             patches/manifest.json and the README table (all or nothing)
  verify     apply every shipped patch with patch-package to its pristine tarball and prove
             it; classify every registry version by structure
  list       the fixes this tool knows

Commands (run in your Expo app's root):
  sync       wire the shipped patch for the exact installed version of every copy of
             @clerk/clerk-js and @clerk/expo, the way your package manager applies patches
             (npm, yarn classic: patches/ + patch-package postinstall; pnpm: pnpm.patchedDependencies;
             yarn berry: resolutions with patch:; bun: patchedDependencies). Removes patches it
             wrote earlier that no longer match (record: .clerk-expo-patches.json); never touches
             yours. Then run your install (and \`npx expo prebuild --clean\` when told).
  postinstall
             the guard sync puts first in your postinstall: after an upgrade that changed
             package.json and the lockfile only, it stops the install with what the new version
             still needs and the one command that wires it (silent, exit 0, otherwise)
  check      read the installed files and report, per installed copy: patched, vulnerable,
             fixed-upstream, stale-patch, unknown-shape, stale-ios-copy. For CI after every
             install or upgrade.

Options:
  --json               machine-readable report on stdout (words stay on stderr)
  --package <name>     generate/verify: only this package (repeatable): ${PACKAGES.join(', ')}
  --cwd <dir>          sync/check/postinstall: the app's root (default: the current folder)
  --pm <name>          sync/check: npm | pnpm | yarn-berry | yarn-classic | bun (default: from the lockfile)
  --dry-run            sync: print the plan, write nothing
  --allow-unverified   sync: for an affected version with no shipped patch, build one from the
                       installed files with the codemods (marked unverified)
  -h, --help           this text

Exit codes: 0 ok, 1 findings (verify failed, drift; check: any finding; sync: an affected copy
  left unpatched), 2 tool error (bad input, registry, shape, nothing installed).
Environment: CLERK_EXPO_PATCHES_CACHE (disk cache, default ~/.cache/clerk-expo-patches),
  CLERK_EXPO_PATCHES_OFFLINE=1 (use the disk cache only), CLERK_EXPO_PATCHES_NO_MEMO=1 (run every
  codemod again instead of reusing results memoised by tarball integrity and codemod sources),
  CLERK_EXPO_PATCHES_JOBS=N (worker threads for generate/verify; default: one per core, up to 4).`;

interface Args {
  command: string | undefined;
  json: boolean;
  packages: TargetPackage[];
  rest: string[];
  cwd?: string;
  pm?: string;
  dryRun: boolean;
  allowUnverified: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { command: undefined, json: false, packages: [], rest: [], dryRun: false, allowUnverified: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (!v || v.startsWith('-')) throw new ToolError(`${flag} needs a value`, 'see `clerk-expo-patches --help`');
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--json') a.json = true;
    else if (x === '--package') {
      const v = argv[++i];
      if (!v || !isTargetPackage(v)) throw new ToolError(`--package needs one of: ${PACKAGES.join(', ')}`);
      a.packages.push(v);
    } else if (x === '--cwd') a.cwd = value(++i, x);
    else if (x === '--pm') a.pm = value(++i, x);
    else if (x === '--dry-run') a.dryRun = true;
    else if (x === '--allow-unverified') a.allowUnverified = true;
    else if (x === '-h' || x === '--help') a.command = 'help';
    else if (x.startsWith('-')) throw new ToolError(`unknown option ${x}`, 'see `clerk-expo-patches --help`');
    else if (!a.command) a.command = x;
    else a.rest.push(x);
  }
  return a;
}

/** `--json` on stdout for a tool error too (schema/report.schema.json): verify and check only. */
function printErrorJson(argv: string[], err: unknown): void {
  const command = argv.find((a) => !a.startsWith('-'));
  if (!argv.includes('--json') || (command !== 'check' && command !== 'verify')) return;
  const hint =
    err instanceof ToolError
      ? (err.hint ?? null)
      : err instanceof ShapeError
        ? 'update the codemod of the fix it names, or report it to clerk-expo-patches'
        : 'report it to clerk-expo-patches with the output above';
  const message =
    err instanceof ToolError && err.hint
      ? err.message.slice(0, err.message.lastIndexOf('\n  → '))
      : err instanceof Error
        ? err.message
        : String(err);
  const report: ErrorReport = { schemaVersion: REPORT_SCHEMA_VERSION, command, ok: false, error: { message, hint } };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

/** generate and verify are not in the published package (it ships what apps run): say where they are. */
async function maintainerCommand<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new ToolError(
      `generate and verify are not part of the installed package (${(err as Error).message.split('\n')[0]})`,
      'run them in a clone of the clerk-expo-patches repository after `npm ci`',
    );
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    const packages = args.packages.length ? args.packages : undefined;
    switch (args.command) {
      case undefined:
      case 'help':
        process.stderr.write(`${USAGE}\n`);
        return args.command ? 0 : 2;
      case 'generate': {
        const { generate } = await maintainerCommand(() => import('./commands/generate.ts'));
        return await generate({ json: args.json, ...(packages ? { packages } : {}) });
      }
      case 'verify': {
        const { verify } = await maintainerCommand(() => import('./commands/verify.ts'));
        return await verify({ json: args.json, ...(packages ? { packages } : {}) });
      }
      case 'sync': {
        const { sync } = await import('./commands/sync.ts');
        return await sync({
          json: args.json,
          dryRun: args.dryRun,
          allowUnverified: args.allowUnverified,
          ...(args.cwd ? { cwd: args.cwd } : {}),
          ...(args.pm ? { pm: args.pm } : {}),
        });
      }
      case 'postinstall': {
        const { postinstall } = await import('./commands/postinstall.ts');
        return postinstall({ ...(args.cwd ? { cwd: args.cwd } : {}), ...(args.pm ? { pm: args.pm } : {}) });
      }
      case 'check': {
        const { check } = await import('./commands/check.ts');
        return await check({ json: args.json, ...(args.cwd ? { cwd: args.cwd } : {}), ...(args.pm ? { pm: args.pm } : {}) });
      }
      case 'list': {
        const list = FIXES.map((f) => ({
          id: f.id,
          letter: f.letter,
          title: f.title,
          package: f.package,
          affected: f.affected,
          fixedUpstreamIn: f.fixedUpstreamIn,
        }));
        if (args.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else
          for (const f of list)
            process.stdout.write(
              `${f.letter}  ${f.id}  ${f.package} ${f.affected}  (upstream: ${f.fixedUpstreamIn ?? 'not fixed'})\n   ${f.title}\n`,
            );
        return 0;
      }
      default:
        throw new ToolError(`unknown command "${args.command}"`, 'see `clerk-expo-patches --help`');
    }
  } catch (err) {
    printErrorJson(argv, err);
    if (err instanceof ToolError || err instanceof ShapeError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
}
