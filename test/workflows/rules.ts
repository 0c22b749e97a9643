import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Document, isScalar, parseDocument, visit } from 'yaml';
import { shellCommands, type ShellCommand } from './shell-commands.ts';

/**
 * This repository's own rules for its GitHub workflows, on top of actionlint: actions pinned to
 * a commit, least permissions, and `run:` steps that call only what exists here. Each rule
 * returns its findings (empty when the workflow keeps it), so a test can also show it failing.
 */
export interface Workflow {
  file: string;
  text: string;
  doc: Document;
  data: WorkflowData;
}

interface Step {
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: unknown;
  steps?: Step[];
  defaults?: { run?: { shell?: string } };
}
export interface WorkflowData {
  permissions?: unknown;
  jobs?: Record<string, Job>;
  defaults?: { run?: { shell?: string } };
}

export function readWorkflow(file: string, text: string): Workflow {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  return { file, text, doc, data: (doc.toJS() ?? {}) as WorkflowData };
}

const jobs = (w: Workflow) => Object.entries(w.data.jobs ?? {});

/** Every `uses:` of an action from another repository names a full 40-hex commit, and its tag in a comment. */
export function pinProblems(w: Workflow): string[] {
  const out: string[] = [];
  for (const { value, comment } of usesOf(w)) {
    if (value.startsWith('./')) continue;
    if (!/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/.test(value)) out.push(`${w.file}: ${value} is not pinned to a full commit SHA`);
    else if (!/^\s*v\d+(\.\d+)*$/.test(comment ?? '')) out.push(`${w.file}: ${value} has no "# vX.Y.Z" comment naming the tag it pins`);
  }
  return out;
}

/** Each `uses:` with the comment that follows it on its line. */
export function usesOf(w: Workflow): Array<{ value: string; comment: string | undefined }> {
  const out: Array<{ value: string; comment: string | undefined }> = [];
  visit(w.doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value))
        out.push({ value: String(pair.value.value), comment: pair.value.comment ?? undefined });
    },
  });
  return out;
}

/** The workflow grants nothing (or only read) at the top; every job says what its token may do. */
export function permissionProblems(w: Workflow): string[] {
  const out: string[] = [];
  const top = w.data.permissions;
  const readOnly =
    top === 'read-all' || (typeof top === 'object' && top !== null && Object.values(top).every((v) => v === 'read' || v === 'none'));
  if (!readOnly) out.push(`${w.file}: top-level permissions must be {} or read-only (found ${JSON.stringify(top)})`);
  for (const [id, job] of jobs(w)) if (job.permissions === undefined) out.push(`${w.file}: job ${id} has no permissions`);
  return out;
}

export interface Here {
  root: string;
  scripts: Record<string, string>;
  npmCommands: Set<string>;
}

/**
 * Shell builtins, and the tools every GitHub-hosted Ubuntu runner has (git, awk, cat; "GitHub CLI
 * is preinstalled on all GitHub-hosted runners": GitHub's "Using GitHub CLI in workflows").
 * Anything else a `run:` step calls must come from this repository or its node_modules.
 */
const ON_THE_RUNNER = new Set(['set', 'echo', 'exit', 'printf', 'cat', 'awk', 'git', 'gh']);
const NPM_RUN = new Set(['run', 'run-script', 'rum', 'urn']);
const NPM_LIFECYCLE = new Set(['test', 'start', 'stop', 'restart']);

/**
 * Inputs of actions that are command lines: changesets/action runs `version` and `publish`
 * (its src/run.ts splits the line on whitespace and executes it, without a shell).
 */
const COMMAND_INPUTS: Record<string, string[]> = { 'changesets/action': ['version', 'publish'] };

/** Every command of every `run:` step (and command input) exists: npm's own commands, package.json scripts, installed bins, files here. */
export function commandProblems(w: Workflow, here: Here): string[] {
  const out: string[] = [];
  for (const [id, job] of jobs(w))
    for (const [i, step] of (job.steps ?? []).entries()) {
      const where = `${w.file}: job ${id}, step ${i + 1}`;
      const scripts: Array<[string, string]> = [];
      if (step.run !== undefined) {
        const shell = step.shell ?? job.defaults?.run?.shell ?? w.data.defaults?.run?.shell ?? 'bash';
        if (shell !== 'bash') {
          out.push(`${where}: shell ${shell}; only bash steps are read here`);
          continue;
        }
        scripts.push([where, step.run]);
      }
      const action = step.uses?.split('@')[0] ?? '';
      for (const input of COMMAND_INPUTS[action] ?? [])
        if (typeof step.with?.[input] === 'string') scripts.push([`${where} (${input})`, step.with[input] as string]);
      for (const [at, script] of scripts) {
        let commands: ShellCommand[];
        try {
          commands = shellCommands(script);
        } catch (err) {
          out.push(`${at}: ${(err as Error).message}`);
          continue;
        }
        for (const c of commands) {
          const problem = commandProblem(c, here);
          if (problem) out.push(`${at}, line ${c.line}: ${problem}`);
        }
      }
    }
  return out;
}

function commandProblem({ name, args }: ShellCommand, here: Here): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const exists = (file: string) => fs.existsSync(path.join(here.root, file));
  switch (name) {
    case 'npm': {
      const [sub, script] = words;
      if (sub === undefined) return args.length ? undefined : 'npm with no command';
      if (!here.npmCommands.has(sub)) return `npm ${sub}: npm has no such command`;
      const wanted = NPM_RUN.has(sub) ? script : NPM_LIFECYCLE.has(sub) ? sub : undefined;
      if (NPM_RUN.has(sub) && wanted === undefined) return 'npm run without a script';
      if (wanted !== undefined && !(wanted in here.scripts)) return `npm run ${wanted}: package.json has no such script`;
      return undefined;
    }
    case 'npx': {
      const [bin] = words;
      if (!args.includes('--no-install') && !args.includes('--no'))
        return `npx ${bin}: add --no-install, so npx runs only what npm ci installed`;
      return bin !== undefined && exists(path.join('node_modules', '.bin', bin))
        ? undefined
        : `npx ${bin}: no such bin in node_modules/.bin`;
    }
    case 'bash':
    case 'sh':
      return words[0] !== undefined && exists(words[0]) ? undefined : `${name} ${words[0]}: no such file here`;
    case 'node':
      if (args.some((a) => /^(-p|-e|--print|--eval)$/.test(a))) return undefined;
      return words[0] !== undefined && exists(words[0]) ? undefined : `node ${words[0]}: no such file here`;
    default:
      return ON_THE_RUNNER.has(name) ? undefined : `${name}: not a command this repository provides or the runner is known to have`;
  }
}

/** Files a workflow hashes or uploads exist in the repository (a renamed file would silently cache or upload nothing). */
export function pathProblems(w: Workflow, root: string): string[] {
  const out: string[] = [];
  for (const m of w.text.matchAll(/hashFiles\('([^']+)'\)/g))
    if (!fs.existsSync(path.join(root, m[1]!))) out.push(`${w.file}: hashFiles('${m[1]}') names no file`);
  for (const [id, job] of jobs(w))
    for (const step of job.steps ?? [])
      if (step.uses?.startsWith('actions/upload-artifact@')) {
        const p = String(step.with?.path ?? '');
        if (!fs.existsSync(path.join(root, p))) out.push(`${w.file}: job ${id} uploads ${p}, which does not exist`);
      }
  return out;
}

/** npm's own command names and aliases, from the npm that runs this test (lib/utils/cmd-list.js). */
export function npmCommandNames(): Set<string> {
  const roots = [
    process.env.npm_execpath ? path.resolve(path.dirname(process.env.npm_execpath), '..') : undefined,
    path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'),
  ];
  for (const root of roots) {
    const file = root && path.join(root, 'lib', 'utils', 'cmd-list.js');
    if (!file || !fs.existsSync(file)) continue;
    const list = createRequire(import.meta.url)(file) as { commands: string[]; aliases: Record<string, string> };
    return new Set([...list.commands, ...Object.keys(list.aliases)]);
  }
  throw new Error(
    `npm's command list (lib/utils/cmd-list.js) is not under ${roots.filter(Boolean).join(' or ')}: run the tests through npm`,
  );
}
