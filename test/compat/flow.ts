import path from 'node:path';
import type { CheckReport } from '../../scripts/commands/check.ts';
import { appBin, run, tempApp } from '../e2e/helpers.ts';
import { firstLine, pmCommands, toolchainEnv, type Toolchain } from '../e2e/toolchain.ts';
import { APP_DEPENDENCIES, bump, cleanCheckout, guardProblems, patchedProblems, PR_BUMP, writeApp } from '../e2e/upgrade-flow.ts';
import { STEPS, type Outcome, type Step } from './store.ts';

/**
 * One row of the table: a real app on one package manager at one version, through
 *   sync     first install (the app's dependencies and the packed clerk-expo-patches), then `clerk-expo-patches sync`
 *   install  the install after sync (applies the patches)
 *   check    `clerk-expo-patches check` exits 0, both top-level copies patched
 *   upgrade  the bot's PR: @clerk/expo 3.2.7 → 3.2.8 in package.json, the lockfile updated by the bot's command
 *   guard    CI's install of that PR on a clean checkout stops with our message and the one command
 * A step that fails leaves the rest `not run`.
 */
export interface FlowResult {
  steps: Record<Step, Outcome>;
  dir: string;
}

const failed = (error: string): Outcome => ({ result: 'failed', error });

export async function runFlow(tc: Toolchain, tarball: string, log: (line: string) => void): Promise<FlowResult> {
  const pm = pmCommands(tc, { yarnClassicCache: `yarn-classic-cache-compat-${tc.version}` });
  const env = toolchainEnv(tc);
  const cli = (args: string[], dir: string) => run(appBin(dir), [...args, '--cwd', dir], dir, env);
  const dir = tempApp(`compat-${tc.kind}-${tc.version}`);
  const steps = Object.fromEntries(STEPS.map((s) => [s, { result: 'not run' }])) as Record<Step, Outcome>;

  const bodies: Record<Step, () => Promise<Outcome>> = {
    sync: async () => {
      writeApp(dir, tarball, 'cep-compat-app');
      pm.setup(dir);
      const first = await pm.install(dir);
      if (first.status !== 0) return failed(`first install: ${firstLine(first)}`);
      const s = await cli(['sync'], dir);
      return s.status === 0 ? { result: 'ok' } : failed(firstLine(s));
    },
    install: async () => {
      const r = await pm.install(dir);
      return r.status === 0 ? { result: 'ok' } : failed(firstLine(r));
    },
    check: async () => {
      const r = await cli(['check', '--json'], dir);
      let report: CheckReport;
      try {
        report = JSON.parse(r.stdout) as CheckReport;
      } catch {
        return failed(`check --json printed no JSON (exit ${r.status}): ${firstLine(r)}`);
      }
      const problems = patchedProblems(report, APP_DEPENDENCIES);
      if (problems.length > 0) return failed(problems.join('; '));
      return r.status === 0 ? { result: 'ok' } : failed(`check exited ${r.status}`);
    },
    upgrade: async () => {
      bump(dir, PR_BUMP);
      const r = await pm.lockfile(dir);
      return r.status === 0 ? { result: 'ok' } : failed(firstLine(r));
    },
    guard: async () => {
      await cleanCheckout(dir);
      const r = await pm.ci(dir);
      const problems = guardProblems(r, pm.command);
      return problems.length === 0 ? { result: 'ok' } : failed(`${problems[0]}${r.status === 0 ? '' : `: ${firstLine(r)}`}`);
    },
  };
  for (const step of STEPS) {
    const t0 = performance.now();
    let o: Outcome;
    try {
      o = await bodies[step]();
    } catch (err) {
      o = failed((err as Error).message.split('\n')[0]!);
    }
    steps[step] = o;
    log(`${step}: ${o.result}${o.result === 'failed' ? ` (${o.error})` : ''} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (o.result !== 'ok') break;
  }
  return { steps, dir: path.resolve(dir) };
}
