import { upstream } from './upstream.ts';

/**
 * `npm run upstream [-- --registry <url>] [--scenarios a,b] [--report <file>] [--json]` — a
 * maintainer command (not in the published package): every @clerk/expo 3.x/4.x and
 * @clerk/clerk-js 6.x version the registry serves and the manifest does not know becomes a
 * verified patch, its session-matrix row and updated docs, or a report of what refused
 * (upstream.ts). Progress on stderr; --json prints the result on stdout.
 * Exit 0 nothing new, 1 new versions all handled, 2 a person must look (nothing written).
 */
const USAGE = 'usage: npm run upstream -- [--registry <url>] [--scenarios a,b] [--report <file>] [--json]';

function parse(argv: string[]) {
  const o: { registry?: string; scenarios?: string[]; report?: string; json: boolean } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new Error(`${a} needs a value (${USAGE})`);
      return v;
    };
    if (a === '--registry') o.registry = value();
    else if (a === '--scenarios')
      o.scenarios = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--report') o.report = value();
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown option ${a} (${USAGE})`);
  }
  return o;
}

try {
  const o = parse(process.argv.slice(2));
  const r = await upstream(o);
  if (o.json)
    process.stdout.write(
      `${JSON.stringify(
        {
          exitCode: r.exitCode,
          registry: r.registry,
          error: r.error,
          written: r.written,
          versions: r.versions.map((v) => ({
            package: v.package,
            version: v.version,
            patch: v.patch?.entry.patch,
            fixes: v.patch?.entry.fixes,
            refusals: v.refusals,
            problems: v.problems,
            row: v.row,
          })),
        },
        null,
        2,
      )}\n`,
    );
  process.exitCode = r.exitCode;
} catch (err) {
  process.stderr.write(`upstream: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 2;
}
