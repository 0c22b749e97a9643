import path from 'node:path';
import semver from 'semver';
import { cleanEnv, run, tempApp } from '../e2e/helpers.ts';
import { firstLine, machineNpm, nodeBinary, pmCommands, resolveNode, servedVersions } from '../e2e/toolchain.ts';
import { writeApp } from '../e2e/upgrade-flow.ts';
import { CONSUMER_COMMANDS, type ConsumerCommand, type Outcome } from './store.ts';

/**
 * The consumer commands on each Node release line: 20, 22, 24 and the newest line the registry
 * serves (Node binaries from the npm registry's per-platform package, cached). One app, installed
 * and wired once with the machine's npm; then each line runs the installed CLI's `sync`,
 * `postinstall` and `check` in it (each must exit 0: the app is patched, nothing to change).
 */
export const NODE_LINES = ['20', '22', '24'] as const;

/** The lines to run: the listed ones and the newest even (release) line, when it is newer. */
export async function nodeLines(): Promise<string[]> {
  const versions = await servedVersions(`node-${process.platform}-${process.arch}`);
  const newest = versions.filter((v) => semver.major(v) % 2 === 0).at(-1);
  const lines: string[] = [...NODE_LINES];
  if (newest && !lines.includes(String(semver.major(newest)))) lines.push(String(semver.major(newest)));
  return lines;
}

export interface NodeLineResult {
  version: string;
  commands: Record<ConsumerCommand, Outcome>;
}

/** `apps` collects the app's folder (the caller removes it). */
export async function runNodeLines(
  lines: string[],
  tarball: string,
  log: (line: string) => void,
  apps: string[],
): Promise<Record<string, NodeLineResult>> {
  const npm = pmCommands(await machineNpm());
  const dir = tempApp('compat-node-lines');
  apps.push(dir);
  writeApp(dir, tarball, 'cep-compat-node-lines');
  for (const [label, step] of [
    ['first install', () => npm.install(dir)],
    ['sync', () => run(path.join(dir, 'node_modules', '.bin', 'clerk-expo-patches'), ['sync', '--cwd', dir], dir)],
    ['install after sync', () => npm.install(dir)],
  ] as const) {
    const r = await step();
    if (r.status !== 0) throw new Error(`the Node-lines app: ${label} failed: ${firstLine(r)}`);
  }
  const bin = path.join(dir, 'node_modules', 'clerk-expo-patches', 'bin', 'clerk-expo-patches.mjs');
  const out: Record<string, NodeLineResult> = {};
  for (const line of lines) {
    const version = await resolveNode(line);
    const node = await nodeBinary(version);
    const commands = {} as Record<ConsumerCommand, Outcome>;
    for (const command of CONSUMER_COMMANDS) {
      const r = await run(
        node,
        [bin, command, '--cwd', dir],
        dir,
        cleanEnv({ PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` }),
      );
      commands[command] = r.status === 0 ? { result: 'ok' } : { result: 'failed', error: `exit ${r.status}: ${firstLine(r)}` };
    }
    out[line] = { version, commands };
    log(`Node ${version}: ${CONSUMER_COMMANDS.map((c) => `${c} ${commands[c].result}`).join(', ')}`);
  }
  return out;
}
