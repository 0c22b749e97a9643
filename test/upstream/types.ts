import type { TargetPackage } from '../../scripts/core/targets.ts';
import type { KnownVersion, ManifestEntry } from '../../scripts/patch-file/manifest.ts';
import type { VerifiedPackage } from '../../scripts/produce/verify-version.ts';
import type { RowCell } from './matrix-row.ts';
import type { ToolchainNews } from './toolchains.ts';

/** What `npm run upstream` found and did (upstream.ts), as the report (report.ts) renders it. */
/** A codemod that would not patch a new version, and the anchor it could not find. */
export interface Refusal {
  fixId: string;
  letter: string;
  file: string;
  anchor: string;
}

export interface NewVersion {
  package: TargetPackage;
  version: string;
  classified?: VerifiedPackage;
  patch?: { entry: ManifestEntry; text: string; letters: string };
  /** Problems verify found in the staged patch. */
  problems: string[];
  refusals: Refusal[];
  known?: KnownVersion;
  row: RowCell[];
}

export interface UpstreamResult {
  exitCode: 0 | 1 | 2;
  registry: string;
  versions: NewVersion[];
  /** Why the run stopped before handling the versions (registry errors and the like). */
  error?: string;
  written: string[];
  toolchains?: ToolchainNews;
  scenarios?: string[];
  seconds: number;
}
