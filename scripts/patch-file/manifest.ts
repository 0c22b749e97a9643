import fs from 'node:fs';
import { MANIFEST } from '../infra/paths.ts';
import { ToolError } from '../core/errors.ts';

/** patches/manifest.json: what every shipped patch is, and the hashes that prove it. */
export interface ManifestFile {
  path: string;
  fixes: string[];
  /** The declaration(s) each fix edited, for provenance. */
  nodes: string[];
  before: string;
  after: string;
}

export interface ManifestEntry {
  package: string;
  version: string;
  patch: string;
  fixes: string[];
  /** dist.integrity of the pristine tarball on the registry. */
  integrity: string;
  patchSha256: string;
  /** Extra step after the patch applies (Swift files are copied into the app at prebuild). */
  afterApply?: string;
  files: ManifestFile[];
}

/**
 * A served version as published, for the fixes its patch does not carry (every fix, when no
 * patch targets it): each fix's status there (fixed-upstream or not-affected) and the sha256 of
 * the target files they read. The consumer answers such a copy by hash, with no parser.
 */
export interface KnownVersion {
  fixes: Record<string, 'fixed-upstream' | 'not-affected'>;
  files: Record<string, string>;
}

export interface Manifest {
  schema: 1;
  patches: ManifestEntry[];
  /** package → version → what it is, published (written by generate, checked by verify). */
  known?: Record<string, Record<string, KnownVersion>>;
}

export function readManifest(file = MANIFEST): Manifest {
  if (!fs.existsSync(file)) throw new ToolError(`no manifest at ${file}`, 'run `clerk-expo-patches generate` first');
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new ToolError(
      `${file} is not valid JSON (${(err as Error).message})`,
      'restore it from git or run `clerk-expo-patches generate`',
    );
  }
  if (m.schema !== 1 || !Array.isArray(m.patches))
    throw new ToolError(`${file} is not a schema-1 manifest`, 'run `clerk-expo-patches generate`');
  return m;
}

export const manifestText = (m: Manifest): string => `${JSON.stringify(m, null, 2)}\n`;
