import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Hand-written Frontend API response fixtures (fixtures/fapi/*.json), shaped like real FAPI
 * responses. A string that is exactly `"{{name}}"` is replaced by the value (any JSON type);
 * `{{name}}` inside a longer string is replaced by its text. Unfilled placeholders are an error,
 * so a fixture and the code filling it cannot drift apart silently.
 */
export const FAPI_FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'fapi');

const cache = new Map<string, unknown>();

export function readFixture(name: string, dir: string = FAPI_FIXTURES_DIR): unknown {
  const file = path.join(dir, `${name}.json`);
  let v = cache.get(file);
  if (v === undefined) {
    v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    cache.set(file, v);
  }
  return structuredClone(v);
}

/** The fixture `name` with its placeholders filled from `vars`. */
export function fixture<T = Record<string, unknown>>(name: string, vars: Record<string, unknown> = {}, dir?: string): T {
  return fill(readFixture(name, dir), vars, `${name}.json`) as T;
}

/** One entry of a fixture file that maps names to bodies (errors.json), filled. */
export function fixtureEntry<T = Record<string, unknown>>(name: string, key: string, vars: Record<string, unknown> = {}, dir?: string): T {
  const all = readFixture(name, dir) as Record<string, unknown>;
  if (!(key in all)) throw new Error(`fixtures/fapi/${name}.json has no "${key}"`);
  return fill(all[key], vars, `${name}.json#${key}`) as T;
}

function fill(v: unknown, vars: Record<string, unknown>, where: string): unknown {
  if (typeof v === 'string') {
    const whole = /^\{\{(\w+)\}\}$/.exec(v);
    if (whole) return lookup(vars, whole[1]!, where);
    return v.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(lookup(vars, k, where)));
  }
  if (Array.isArray(v)) return v.map((x) => fill(x, vars, where));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, vars, where)]));
  return v;
}

function lookup(vars: Record<string, unknown>, key: string, where: string): unknown {
  if (!(key in vars)) throw new Error(`fixtures/fapi/${where}: no value for {{${key}}}`);
  return vars[key];
}
