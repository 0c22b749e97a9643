import { ShapeError, ToolError } from './lib/fix.ts';
import { FIXES, PACKAGES } from './fixes/index.ts';

const USAGE = `clerk-expo-patches — verified patches for Clerk's Expo SDK

Usage: clerk-expo-patches <command> [options]

Commands (for this repository's maintainers):
  generate   build every patch from the pristine registry tarballs; writes patches/,
             patches/manifest.json and the README table (all or nothing)
  verify     apply every shipped patch with patch-package to its pristine tarball and prove
             it; classify every registry version by structure
  list       the fixes this tool knows

Options:
  --json             machine-readable report on stdout (words stay on stderr)
  --package <name>   only this package (repeatable): ${PACKAGES.join(', ')}
  -h, --help         this text

Exit codes: 0 ok, 1 findings (verify failed, drift), 2 tool error (bad input, registry, shape).
Environment: CLERK_EXPO_PATCHES_CACHE (disk cache, default ~/.cache/clerk-expo-patches),
  CLERK_EXPO_PATCHES_OFFLINE=1 (use the disk cache only).`;

interface Args {
  command: string | undefined;
  json: boolean;
  packages: string[];
  rest: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { command: undefined, json: false, packages: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--json') a.json = true;
    else if (x === '--package') {
      const v = argv[++i];
      if (!v || !PACKAGES.includes(v as never)) throw new ToolError(`--package needs one of: ${PACKAGES.join(', ')}`);
      a.packages.push(v);
    } else if (x === '-h' || x === '--help') a.command = 'help';
    else if (x.startsWith('-')) throw new ToolError(`unknown option ${x}`, 'see `clerk-expo-patches --help`');
    else if (!a.command) a.command = x;
    else a.rest.push(x);
  }
  return a;
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
        const { generate } = await import('./commands/generate.ts');
        return await generate({ json: args.json, ...(packages ? { packages } : {}) });
      }
      case 'verify': {
        const { verify } = await import('./commands/verify.ts');
        return await verify({ json: args.json, ...(packages ? { packages } : {}) });
      }
      case 'list': {
        const list = FIXES.map((f) => ({ id: f.id, letter: f.letter, title: f.title, package: f.package, affected: f.affected, fixedUpstreamIn: f.fixedUpstreamIn }));
        if (args.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else for (const f of list) process.stdout.write(`${f.letter}  ${f.id}  ${f.package} ${f.affected}  (upstream: ${f.fixedUpstreamIn ?? 'not fixed'})\n   ${f.title}\n`);
        return 0;
      }
      default:
        throw new ToolError(`unknown command "${args.command}"`, 'see `clerk-expo-patches --help`');
    }
  } catch (err) {
    if (err instanceof ToolError || err instanceof ShapeError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
}
