import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../../scripts/infra/paths.ts';
import { formatTable } from '../../scripts/infra/table.ts';
import { EXPO_REPORT_ENV, EXPO_SDKS_ENV, laneTitlePrefix, type ExpoSdkLaneReport } from './expo-sdk.ts';

/**
 * `npm run compat:expo` — the real Expo app e2e (test/e2e/expo-app.test.ts) on more than the one
 * SDK `npm test` builds: by default the oldest and the newest SDK the newest @clerk/expo accepts.
 *
 *   npm run compat:expo                      (oldest,newest)
 *   npm run compat:expo -- all               (every supported SDK)
 *   npm run compat:expo -- 54@3.2.7,57 --json
 *
 * Progress (vitest's output) on stderr; then one row per app: SDK, template, @clerk/expo, the
 * Swift bridge it checks, the steps' seconds, ok / failed (the first failing test). --json prints
 * the result on stdout instead. Exit 0 all ok, 1 an app failed, 2 the run could not start.
 */

export interface ExpoSdkCompatLane extends ExpoSdkLaneReport {
  ok: boolean;
  /** The first failing test's title and the first line of its error, when one failed. */
  failure?: string;
}

export interface ExpoSdkCompatResult {
  /** The selection passed to the e2e (CLERK_EXPO_PATCHES_EXPO_SDKS syntax). */
  selection: string;
  ok: boolean;
  /** vitest's exit code. */
  exitCode: number | null;
  lanes: ExpoSdkCompatLane[];
}

interface VitestJson {
  testResults: Array<{
    message?: string;
    assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }>;
  }>;
}

/**
 * Runs the Expo app e2e for `selection` (CLERK_EXPO_PATCHES_EXPO_SDKS syntax: `oldest,newest`,
 * `all`, `57`, `54@3.2.7`) in a child vitest, vitest's output to this process's stderr, and
 * returns what each app resolved, its steps' times and whether its tests passed. For a
 * toolchain matrix to call: it throws only when the run cannot start.
 */
export async function runExpoSdkCompat(selection = 'oldest,newest', env: NodeJS.ProcessEnv = process.env): Promise<ExpoSdkCompatResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-expo-compat-'));
  const report = path.join(tmp, 'lanes.json');
  const results = path.join(tmp, 'vitest.json');
  try {
    const args = [
      path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--project',
      'e2e',
      'test/e2e/expo-app.test.ts',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${results}`,
    ];
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...env, [EXPO_SDKS_ENV]: selection, [EXPO_REPORT_ENV]: report },
        stdio: ['ignore', process.stderr, process.stderr],
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    const lanes = fs.existsSync(report) ? (JSON.parse(fs.readFileSync(report, 'utf8')) as ExpoSdkLaneReport[]) : [];
    const json = fs.existsSync(results) ? (JSON.parse(fs.readFileSync(results, 'utf8')) as VitestJson) : { testResults: [] };
    const tests = json.testResults.flatMap((f) => f.assertionResults);
    const out = lanes.map((l): ExpoSdkCompatLane => {
      const mine = tests.filter((t) => t.ancestorTitles[0]?.startsWith(laneTitlePrefix(l)));
      const failed = mine.find((t) => t.status !== 'passed');
      return {
        ...l,
        ok: mine.length > 0 && !failed,
        ...(failed
          ? { failure: `${failed.title}: ${(failed.failureMessages[0] ?? failed.status).split('\n')[0]}` }
          : mine.length === 0
            ? { failure: 'no test of this app ran' }
            : {}),
      };
    });
    // A run that stopped before any app (resolution, global setup): no lanes, and vitest's own message.
    if (out.length === 0 && exitCode !== 0) {
      const why = json.testResults.map((f) => f.message).find(Boolean) ?? `vitest exited ${exitCode} before any app was built`;
      throw new Error(`the Expo app e2e did not start: ${why.split('\n')[0]}`);
    }
    return { selection, ok: exitCode === 0 && out.every((l) => l.ok), exitCode, lanes: out };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatCompat(r: ExpoSdkCompatResult): string {
  const secs = (l: ExpoSdkCompatLane, re: RegExp) =>
    l.steps
      .filter((s) => re.test(s.step))
      .map((s) => (s.ms / 1000).toFixed(0))
      .join(' + ') || '-';
  return formatTable(
    ['SDK', 'template', 'expo', '@clerk/expo', 'Swift bridge checked', 'npm install (s)', 'prebuild (s)', 'Node', 'result'],
    r.lanes.map((l) => [
      String(l.sdk),
      l.template.replace(/^.*@/, ''),
      l.expo,
      l.clerkExpo,
      l.bridge ?? 'none (no Swift fix for this SDK)',
      secs(l, /^npm install/),
      secs(l, /^prebuild/),
      l.node,
      l.ok ? 'ok' : `failed: ${l.failure}`,
    ]),
  );
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const selection = argv.find((a) => !a.startsWith('--')) ?? process.env[EXPO_SDKS_ENV] ?? 'oldest,newest';
  let r: ExpoSdkCompatResult;
  try {
    r = await runExpoSdkCompat(selection);
  } catch (err) {
    const message = (err as Error).message;
    if (json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    process.stderr.write(
      `compat:expo: ${message}\nNext: run \`npx vitest run --project e2e test/e2e/expo-app.test.ts\` to see the whole error.\n`,
    );
    return 2;
  }
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    process.stdout.write(`Expo SDK apps (${r.selection}):\n${formatCompat(r)}\n`);
    for (const l of r.lanes) {
      if (l.noBridge) process.stdout.write(`SDK ${l.sdk}: ${l.noBridge}\n`);
      for (const n of l.notes) process.stdout.write(`SDK ${l.sdk}: ${n}\n`);
    }
  }
  return r.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await main(process.argv.slice(2));
