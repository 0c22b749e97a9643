/**
 * Core: the contract every layer speaks — the fix unit (this file), the statuses, the errors
 * (errors.ts) and the packages and files we target (targets.ts). Imports nothing of ours.
 */
import type { TargetPackage } from './targets.ts';

/**
 * The fix unit: every fix under scripts/fixes/<id>/fix.ts exports one of these.
 * A fix is pure: it sees a package's files as text and answers detect()/apply(); it never
 * touches the disk or the network.
 */
export type Status = 'vulnerable' | 'patched' | 'fixed-upstream' | 'not-affected' | 'unknown-shape';

export const STATUSES: readonly Status[] = ['vulnerable', 'patched', 'fixed-upstream', 'not-affected', 'unknown-shape'];

export interface Detection {
  status: Status;
  /** One sentence a human can act on: what was found, or what was expected and not found. */
  reason: string;
  /** The declaration the fix is allowed to touch (provenance), when it was found. */
  node?: NodeSpan;
}

export interface NodeSpan {
  /** e.g. "MethodDeclaration #j (class rG)" or "function_declaration syncTokenState". */
  label: string;
  start: number;
  end: number;
}

/** What apply() returns: new text plus the declaration it edited, or "unchanged". */
export type ApplyResult =
  | {
      changed: true;
      text: string;
      node: NodeSpan;
      /** Declarations the fix added next to `node`, or another declaration it edits (offsets in the new text); provenance allows them too. */
      added?: NodeSpan[];
    }
  | { changed: false; status: Status; reason: string };

/** apply()'s answer when it edited. */
export type AppliedEdit = Extract<ApplyResult, { changed: true }>;

/** A package version as the pipeline sees it: its manifest and a reader for its files. */
export interface PackageSnapshot {
  name: string;
  version: string;
  /** Parsed package.json of that version. */
  packageJson: Record<string, unknown>;
  /** Relative paths of every file in the package (posix, no "package/" prefix). */
  files: readonly string[];
  read(path: string): string | undefined;
}

/** A fix's metadata and the files it reads: what the consumer needs before (and often instead of) loading its codemod. */
export interface FixMeta {
  /** Slug: names the folder in scripts/fixes/, fixtures/ and test/fixes/. */
  id: string;
  /** Short letter used in the brief and the README table (A, B, C, D). */
  letter: string;
  title: string;
  package: TargetPackage;
  /** semver range of published versions that carry the bug. */
  affected: string;
  /** The first upstream version that ships an equivalent fix, if any. */
  fixedUpstreamIn: string | null;
  /** Extra step a user must run after the patch applies (e.g. Expo prebuild for Swift files). */
  afterApply?: string;
  /** The files this fix reads and edits in the given package version (empty: nothing to do). */
  targets(pkg: PackageSnapshot): string[];
}

export interface Fix extends FixMeta {
  detect(text: string, file: string): Detection;
  /** New text, or "unchanged" with the reason. Throws ShapeError when the code is not the expected shape. */
  apply(text: string, file: string): ApplyResult;
}
