// Commands: parse options, call the layers below, print. One file per CLI command.
import { metasFor } from '../fixes/catalog.ts';
import { fixCodeFor } from './fix-code.ts';
import { readCheckInput } from '../consumer/check/read.ts';
import { classify, type CheckReport } from '../consumer/check/classify.ts';
import { renderCheck } from '../consumer/check/render.ts';
import { ms, say } from '../infra/progress.ts';

export type { CheckReport, CheckRow, CheckStatus } from '../consumer/check/classify.ts';

export interface CheckOptions {
  cwd?: string;
  json?: boolean;
  pm?: string;
  manifestFile?: string;
}

/**
 * check: what is installed, read from the installed files. Exit 0 clean, 1 findings, 2 tool error
 * (thrown; the CLI prints it, as JSON too with --json).
 */
export async function check(opts: CheckOptions = {}): Promise<number> {
  const t0 = performance.now();
  const report = await runCheck(opts);
  // The table is for humans: stdout normally, stderr when stdout carries JSON.
  if (opts.json) say(renderCheck(report));
  else process.stdout.write(`${renderCheck(report)}\n`);
  say(`check: ${report.results.length} row(s), ${report.findings} finding(s), ${ms(t0)}`);
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

export const runCheck = async (opts: CheckOptions = {}): Promise<CheckReport> =>
  classify(await readCheckInput(opts, { metasFor, loadFixes: fixCodeFor }));
