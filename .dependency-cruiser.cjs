/**
 * The architecture, enforced (`npm run lint:deps`, run by CI): dependencies point one way.
 *
 *   core ← infra ← patch-file ← codemod ← fixes/<id>
 *                               codemod ← provenance ← produce
 *                               codemod ← consumer
 *   commands (and cli.ts, bench.ts) on top of everything.
 *
 * Only the commands and the job runner (produce/jobs.ts) import the list of fixes
 * (fixes/index.ts); everything else receives fixes as arguments.
 */
const layer = (name, from, allowed) => ({
  name,
  severity: 'error',
  comment: `scripts/${from}/ may import only ${allowed.join(', ')}`,
  from: { path: `^scripts/${from}/` },
  to: { path: '^scripts/', pathNot: `^scripts/(${[from, ...allowed].join('|')})/` },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import cycles', from: {}, to: { circular: true } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    {
      name: 'scripts-not-to-test',
      severity: 'error',
      comment: 'shipped code never imports tests',
      from: { path: '^scripts/' },
      to: { path: '^test/' },
    },
    layer('core-is-the-base', 'core', []),
    layer('infra-on-core', 'infra', ['core']),
    layer('patch-file-on-infra', 'patch-file', ['core', 'infra']),
    layer('codemod-on-patch-file', 'codemod', ['core', 'infra', 'patch-file']),
    layer('provenance-on-codemod', 'provenance', ['core', 'infra', 'patch-file', 'codemod']),
    layer('consumer-on-codemod', 'consumer', ['core', 'infra', 'patch-file', 'codemod']),
    {
      ...layer('produce-on-provenance', 'produce', ['core', 'infra', 'patch-file', 'codemod', 'provenance']),
      // The job runner names fixes by id (worker threads): it may read the list.
      to: { path: '^scripts/', pathNot: '^scripts/(produce|core|infra|patch-file|codemod|provenance)/|^scripts/fixes/index\\.ts$' },
    },
    {
      name: 'list-of-fixes-only-at-the-top',
      severity: 'error',
      comment: 'only commands, cli.ts, bench.ts, the job runner and tests import scripts/fixes/index.ts',
      from: { pathNot: '^scripts/(commands/|cli\\.ts$|bench\\.ts$|produce/jobs\\.ts$|fixes/index\\.ts$)|^test/' },
      to: { path: '^scripts/fixes/index\\.ts$' },
    },
    {
      name: 'a-fix-uses-core-and-codemod',
      severity: 'error',
      comment: 'a fix folder imports core, codemod and its own files only',
      from: { path: '^scripts/fixes/([^/]+)/' },
      to: { path: '^scripts/', pathNot: '^scripts/(core|codemod)/|^scripts/fixes/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|fixtures|patches)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.mjs', '.js', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
