import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ToolError } from '../core/errors.ts';
import { objectAt, pruneEmpty } from './package-json.ts';

/**
 * The two files a package manager's patch wiring lives in, behind one small interface: the app's
 * package.json (an object, written back with its own indentation by sync) and pnpm's
 * pnpm-workspace.yaml (a YAML document edited through the `yaml` library's Document API, so the
 * app's comments, key order and quoting stay as they were). Reading never writes; `text()` is
 * the new file, or the old bytes when nothing changed.
 */
export const WORKSPACE_FILE = 'pnpm-workspace.yaml';
export type ConfigFile = 'package.json' | typeof WORKSPACE_FILE;

export interface ConfigDoc {
  readonly file: ConfigFile;
  get(keys: readonly string[], key: string): unknown;
  /** The string-valued entries of the map at `keys` ([] when absent). */
  entries(keys: readonly string[]): Array<[string, string]>;
  set(keys: readonly string[], key: string, value: string | boolean): void;
  /** Deletes the entry, and each map it leaves empty. */
  remove(keys: readonly string[], key: string): void;
}

/** package.json's object (the caller's own copy): edits change it in place. */
export function jsonDoc(data: Record<string, unknown>): ConfigDoc {
  return {
    file: 'package.json',
    get: (keys, key) => objectAt(data, keys, false)?.[key],
    entries: (keys) => Object.entries(objectAt(data, keys, false) ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    set: (keys, key, value) => {
      objectAt(data, keys, true)![key] = value;
    },
    remove: (keys, key) => {
      const obj = objectAt(data, keys, false);
      if (!obj || !(key in obj)) return;
      delete obj[key];
      pruneEmpty(data, keys);
    },
  };
}

type YamlLib = typeof import('yaml');
/** Loaded on first use: check reads pnpm-workspace.yaml only when it mentions patches. */
let yamlLib: YamlLib | undefined;
const yaml = (): YamlLib => (yamlLib ??= createRequire(import.meta.url)('yaml') as YamlLib);

export interface WorkspaceDoc extends ConfigDoc {
  /** The file existed before (false: sync would create it). */
  readonly existed: boolean;
  /** The file's new text; the original bytes when nothing was edited; undefined when absent and untouched. */
  text(): string | undefined;
  changed(): boolean;
}

/**
 * pnpm-workspace.yaml of the app, parsed as a YAML document. A file that does not parse is a
 * tool error (exit 2) naming the line, before anything is written.
 */
export function readWorkspaceDoc(appDir: string): WorkspaceDoc {
  const file = path.join(appDir, WORKSPACE_FILE);
  let original: string | undefined;
  try {
    original = fs.readFileSync(file, 'utf8');
  } catch {
    original = undefined;
  }
  return workspaceDoc(original, file);
}

export function workspaceDoc(original: string | undefined, file = WORKSPACE_FILE): WorkspaceDoc {
  const { parseDocument, isMap, isScalar } = yaml();
  const doc = parseDocument(original ?? '');
  const problem = doc.errors[0];
  if (problem) {
    throw new ToolError(
      `${file} does not parse as YAML: ${problem.message.split('\n')[0]}`,
      `fix the file (pnpm cannot read it either), then run again; nothing was written`,
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new ToolError(`${file} is not a YAML mapping at the top level`, 'fix the file, then run again; nothing was written');
  }
  let edited = false;
  const mapAt = (keys: readonly string[]) => {
    const node = keys.length ? doc.getIn(keys, true) : doc.contents;
    return isMap(node) ? node : undefined;
  };
  const scalar = (v: unknown): unknown => (isScalar(v) ? v.value : v);
  return {
    file: WORKSPACE_FILE,
    existed: original !== undefined,
    get: (keys, key) => scalar(doc.getIn([...keys, key], true)),
    entries: (keys) => {
      const map = mapAt(keys);
      if (!map) return [];
      return map.items
        .map((p) => [String(scalar(p.key)), scalar(p.value)] as [string, unknown])
        .filter((e): e is [string, string] => typeof e[1] === 'string');
    },
    set: (keys, key, value) => {
      if (scalar(doc.getIn([...keys, key], true)) === value) return;
      doc.setIn([...keys, key], value);
      edited = true;
    },
    remove: (keys, key) => {
      if (!doc.hasIn([...keys, key])) return;
      doc.deleteIn([...keys, key]);
      edited = true;
      for (let n = keys.length; n > 0; n--) {
        const map = mapAt(keys.slice(0, n));
        if (map && map.items.length === 0) doc.deleteIn(keys.slice(0, n));
        else break;
      }
    },
    text: () => (edited ? doc.toString() : original),
    changed: () => edited,
  };
}

/** True when a pnpm-workspace.yaml text may hold patch wiring (so check parses it only then). */
export const mentionsPatches = (text: string): boolean => /patchedDependencies|allowUnusedPatches|allowNonAppliedPatches/.test(text);

/** check: the app's pnpm-workspace.yaml only when it may hold patch wiring (no YAML parser loaded otherwise). */
export function readWorkspaceDocIfWired(appDir: string): WorkspaceDoc | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(appDir, WORKSPACE_FILE), 'utf8');
  } catch {
    return undefined;
  }
  return mentionsPatches(text) ? workspaceDoc(text, path.join(appDir, WORKSPACE_FILE)) : undefined;
}
