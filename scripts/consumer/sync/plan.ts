import { sha256 } from '../../infra/hash.ts';
import { jsonDoc, WORKSPACE_FILE, type ConfigDoc, type ConfigFile, type WorkspaceDoc } from '../config-doc.ts';
import { GUARD_STEP, mergePostinstall, objectAt, pruneEmpty, unmergePostinstall, PATCH_PACKAGE_STEP } from '../package-json.ts';
import { OWNERSHIP_FILE, type ConfigRef, type OwnedPatch, type Ownership } from '../ownership.ts';
import { usesPatchPackage, type PackageManager } from '../package-manager.ts';
import type { PnpmWiring } from '../pnpm-version.ts';
import { configDocFor, describeConfig, type Wired } from '../wiring.ts';

/**
 * sync's plan, computed without touching the disk: which patch files to write and remove,
 * which package.json entries to set and delete, and the new ownership record. Only files and
 * entries the record says sync wrote — and that are still as it wrote them — are ever removed
 * or overwritten.
 */
export interface DesiredPatch {
  package: string;
  version: string;
  /** App-relative posix path of the patch file. */
  file: string;
  /** The patch in this package manager's path form. */
  text: string;
  /** package.json entries that wire it (pnpm/bun: one; yarn berry: one per lockfile descriptor). */
  configs: ConfigRef[];
  /** npm / yarn classic: the node_modules path patch-package applies it to. */
  target?: string;
  fixes: string[];
  unverified: boolean;
  afterApply?: string;
}

export interface Plan {
  writes: Array<{ file: string; text: string; reason: string }>;
  removes: Array<{ file: string; reason: string }>;
  /** Human lines for each package.json edit. */
  packageJsonEdits: string[];
  packageJson: Record<string, unknown>;
  /** Human lines for each pnpm-workspace.yaml edit (pnpm 10.7 and later). */
  workspaceEdits: string[];
  /** The new pnpm-workspace.yaml; undefined when it is not to be written. */
  workspaceText: string | undefined;
  record: Ownership;
  /** undefined: delete the record (nothing owned any more). */
  recordText: string | undefined;
  warnings: string[];
  /**
   * npm / yarn classic: patches sync did not write that target the same node_modules path as a
   * patch it wires. patch-package fails on two patches for one package: each must be removed.
   */
  conflicts: Array<{ file: string; target: string }>;
  /** The desired patches actually wired (conflicts skipped). */
  wired: DesiredPatch[];
}

export const PATCH_PACKAGE_RANGE = '^8.0.1';

export interface PlanInput {
  pm: PackageManager;
  packageJson: Record<string, unknown>;
  record: Ownership;
  desired: DesiredPatch[];
  /** What the app has wired today (any author). */
  current: Wired[];
  /** Reads an app-relative file; undefined when absent. */
  read(file: string): string | undefined;
  /**
   * No ownership record on disk (never synced, or the record was deleted): package.json wiring
   * that is exactly what sync adds (its postinstall step, its patch-package range) is taken as
   * sync's own, so a later sync can still undo it.
   */
  recordMissing?: boolean;
  /** pnpm: where its version reads patch wiring, and its allow-unused-patches key. */
  pnpm?: PnpmWiring;
  /** pnpm: the app's pnpm-workspace.yaml (absent or not), edited by the plan in memory. */
  workspace?: WorkspaceDoc;
  /** This tool's version: sync adds `clerk-expo-patches` to devDependencies when the app lists it nowhere. */
  selfVersion?: string;
}

/** The postinstall sync adds to an app without one. */
export const postinstallSteps = (withPatchPackage: boolean): string =>
  withPatchPackage ? `${GUARD_STEP} && ${PATCH_PACKAGE_STEP}` : GUARD_STEP;

/** Where a config entry lives, for comparing entries across package.json and pnpm-workspace.yaml. */
const configId = (c: { file?: ConfigFile; keys: readonly string[]; key: string }) =>
  `${c.file ?? 'package.json'}|${c.keys.join('.')}|${c.key}`;

export function planSync(input: PlanInput): Plan {
  const pkg = structuredClone(input.packageJson);
  const pkgDoc = jsonDoc(pkg);
  const owned = new Map(input.record.patches.map((p) => [p.file, p]));
  const plan: Plan = {
    writes: [],
    removes: [],
    packageJsonEdits: [],
    packageJson: pkg,
    workspaceEdits: [],
    workspaceText: undefined,
    record: input.record,
    recordText: undefined,
    warnings: [],
    conflicts: [],
    wired: [],
  };
  const kept: OwnedPatch[] = [];
  const docOf = (c: { file?: ConfigFile }): ConfigDoc => {
    const doc = configDocFor(c, pkgDoc, input.workspace);
    if (!doc) throw new Error(`planSync: ${WORKSPACE_FILE} wiring without the workspace document`);
    return doc;
  };
  const editsOf = (c: { file?: ConfigFile }) => (c.file === WORKSPACE_FILE ? plan.workspaceEdits : plan.packageJsonEdits);

  for (const d of input.desired) {
    const own = owned.get(d.file);
    const current = input.read(d.file);
    if (current !== undefined && !own && current !== d.text) {
      plan.warnings.push(
        `${d.file} exists and was not written by clerk-expo-patches; left it alone and did not wire ${d.package}@${d.version}. Compare it with the shipped patch, delete it, and run sync again.`,
      );
      continue;
    }
    if (current !== undefined && own && sha256(current) !== own.sha256 && current !== d.text) {
      plan.warnings.push(
        `${d.file} was edited after sync wrote it; left it alone. Delete it and run sync again to restore the shipped patch.`,
      );
      continue;
    }
    const ownsKey = (c: ConfigRef, cur: unknown) => !!own?.configs?.some((o) => configId(o) === configId(c) && o.value === cur);
    const clash = d.configs.find((c) => {
      const cur = docOf(c).get(c.keys, c.key);
      return cur !== undefined && cur !== c.value && !ownsKey(c, cur);
    });
    if (clash) {
      const cur = docOf(clash).get(clash.keys, clash.key);
      plan.warnings.push(
        `${describeConfig(clash)} is already set to "${String(cur)}" (not by clerk-expo-patches); left it alone and did not wire ${d.package}@${d.version}. Merge the fix into your patch, or remove the entry and run sync again.`,
      );
      continue;
    }
    for (const c of d.configs) {
      if (docOf(c).get(c.keys, c.key) !== c.value) {
        docOf(c).set(c.keys, c.key, c.value);
        editsOf(c).push(`${c.keys.join('.')}["${c.key}"] = "${c.value}"`);
      }
    }
    if (current !== d.text)
      plan.writes.push({
        file: d.file,
        text: d.text,
        reason: `${d.package}@${d.version}${d.target && d.target !== `node_modules/${d.package}` ? ` at ${d.target}` : ''}: ${d.fixes.join(', ')}${d.unverified ? ' (UNVERIFIED, built from the installed files)' : ''}`,
      });
    kept.push({
      package: d.package,
      version: d.version,
      file: d.file,
      sha256: sha256(d.text),
      ...(d.configs.length ? { configs: d.configs } : {}),
      fixes: d.fixes,
      ...(d.unverified ? { unverified: true as const } : {}),
    });
    plan.wired.push(d);
  }

  const keptFiles = new Set(kept.map((k) => k.file));
  for (const own of input.record.patches) {
    if (keptFiles.has(own.file)) continue;
    const current = input.read(own.file);
    if (current !== undefined) {
      if (sha256(current) === own.sha256)
        plan.removes.push({
          file: own.file,
          reason: `written by clerk-expo-patches for ${own.package}@${own.version}, which is no longer installed or needs no patch`,
        });
      else
        plan.warnings.push(
          `${own.file} (written by clerk-expo-patches for ${own.package}@${own.version}) was edited since; left it in place. Delete it yourself if it is no longer needed.`,
        );
    }
  }
  // Entries sync wrote that no kept patch uses any more, where they still are as it wrote them
  // (also an entry that moved: pnpm 11 reads pnpm-workspace.yaml, not package.json).
  const keptConfigs = new Set(kept.flatMap((k) => (k.configs ?? []).map(configId)));
  for (const own of input.record.patches)
    for (const c of own.configs ?? []) {
      if (keptConfigs.has(configId(c)) || (c.file === WORKSPACE_FILE && !input.workspace)) continue;
      const doc = docOf(c);
      if (doc.get(c.keys, c.key) !== c.value) continue;
      doc.remove(c.keys, c.key);
      editsOf(c).push(`removed ${c.keys.join('.')}["${c.key}"]`);
    }

  const added = { ...input.record.added };
  const npmLike = usesPatchPackage(input.pm);
  const removed = new Set(plan.removes.map((r) => r.file));
  const othersLeft = input.current.some((w) => !owned.has(w.file) && !removed.has(w.file));
  if (npmLike) {
    // patch-package fails on two patches for one package path and can leave it half-patched.
    for (const d of plan.wired) {
      for (const w of input.current) {
        if (w.target === d.target && w.file !== d.file && !owned.has(w.file) && !removed.has(w.file) && d.target !== undefined) {
          plan.conflicts.push({ file: w.file, target: d.target });
        }
      }
    }
  }
  const scripts = (pkg.scripts ?? {}) as Record<string, string>;
  if (kept.length > 0) {
    // Every package manager: our guard first in the postinstall; npm / yarn classic: patch-package after it.
    const m = mergePostinstall(scripts.postinstall, npmLike, added.postinstall);
    if (m.changed) {
      pkg.scripts = { ...scripts, postinstall: m.value };
      plan.packageJsonEdits.push(`scripts.postinstall = "${m.value}"`);
    } else if (input.recordMissing && !added.postinstall && unmergePostinstall(scripts.postinstall, postinstallSteps(npmLike)).changed) {
      m.added = postinstallSteps(npmLike);
      plan.warnings.push(
        `no ${OWNERSHIP_FILE}: the postinstall steps "${m.added}" are what sync adds, so they are recorded as sync's own (removed again when no patch is left)`,
      );
    }
    if (m.added) added.postinstall = m.added;
    else delete added.postinstall;
    const hasDep = ['dependencies', 'devDependencies'].some(
      (f) => (pkg[f] as Record<string, unknown> | undefined)?.['patch-package'] !== undefined,
    );
    if (npmLike && !hasDep) {
      objectAt(pkg, ['devDependencies'], true)!['patch-package'] = PATCH_PACKAGE_RANGE;
      added.devDependency = PATCH_PACKAGE_RANGE;
      plan.packageJsonEdits.push(`devDependencies["patch-package"] = "${PATCH_PACKAGE_RANGE}"`);
    } else if (
      npmLike &&
      input.recordMissing &&
      !added.devDependency &&
      objectAt(pkg, ['devDependencies'], false)?.['patch-package'] === PATCH_PACKAGE_RANGE
    ) {
      added.devDependency = PATCH_PACKAGE_RANGE;
    }
    // pnpm refuses to install (ERR_PNPM_UNUSED_PATCH) when an upgrade leaves a patch unused: let it install, so the guard can say why.
    if (input.pm === 'pnpm' && input.pnpm) placeAllowUnused(input.pnpm, added);
    // `npx clerk-expo-patches sync` in an app that never installed it: the postinstall's guard needs it installed.
    const listed = ['dependencies', 'devDependencies'].some(
      (f) => (pkg[f] as Record<string, unknown> | undefined)?.['clerk-expo-patches'] !== undefined,
    );
    if (!listed && input.selfVersion) {
      objectAt(pkg, ['devDependencies'], true)!['clerk-expo-patches'] = `^${input.selfVersion}`;
      plan.packageJsonEdits.push(
        `devDependencies["clerk-expo-patches"] = "^${input.selfVersion}" (the postinstall runs it; kept when patches go: check and the config plugin use it too)`,
      );
    }
  } else {
    if (added.postinstall && !(npmLike && othersLeft)) {
      const u = unmergePostinstall(scripts.postinstall, added.postinstall);
      if (u.changed) {
        const next = { ...scripts };
        if (u.value === undefined) delete next.postinstall;
        else next.postinstall = u.value;
        pkg.scripts = next;
        if (Object.keys(next).length === 0) delete pkg.scripts;
        plan.packageJsonEdits.push(
          u.value === undefined ? 'removed scripts.postinstall (sync had added it)' : `scripts.postinstall = "${u.value}"`,
        );
      }
      delete added.postinstall;
    }
    if (added.devDependency && !othersLeft) {
      const dev = objectAt(pkg, ['devDependencies'], false);
      if (dev && dev['patch-package'] === added.devDependency) {
        delete dev['patch-package'];
        pruneEmpty(pkg, ['devDependencies']);
        plan.packageJsonEdits.push('removed devDependencies["patch-package"] (sync had added it)');
      }
      delete added.devDependency;
    }
    if (added.pnpmAllowUnused) dropAllowUnused(added);
  }
  if (input.workspace?.changed()) {
    const text = input.workspace.text() ?? '';
    const empty = /^\s*(\{\s*\}\s*)?$/.test(text);
    if (empty && !input.workspace.existed) plan.workspaceEdits.length = 0;
    else if (empty && added.workspaceCreated) {
      plan.removes.push({ file: WORKSPACE_FILE, reason: 'sync had created it, and nothing of it is left' });
      delete added.workspaceCreated;
    } else {
      plan.workspaceText = text;
      if (!input.workspace.existed) added.workspaceCreated = true;
    }
  }

  plan.record = { schema: 1, tool: 'clerk-expo-patches', packageManager: input.pm, patches: kept, added };

  function allowAt(file: ConfigFile): { doc: ConfigDoc; keys: string[] } {
    return file === WORKSPACE_FILE ? { doc: docOf({ file }), keys: [] } : { doc: pkgDoc, keys: ['pnpm'] };
  }
  function dropAllowUnused(a: Ownership['added']): void {
    const file = a.pnpmAllowUnusedIn ?? 'package.json';
    // pnpm-workspace.yaml is read only on pnpm: another package manager leaves it (and the record's note of it) alone.
    if (file === WORKSPACE_FILE && !input.workspace) return;
    const at = allowAt(file);
    if (at.doc.get(at.keys, a.pnpmAllowUnused!) === true) {
      at.doc.remove(at.keys, a.pnpmAllowUnused!);
      editsOf({ file }).push(`removed ${[...at.keys, a.pnpmAllowUnused].join('.')} (sync had added it)`);
    }
    delete a.pnpmAllowUnused;
    delete a.pnpmAllowUnusedIn;
  }
  function placeAllowUnused(want: PnpmWiring, a: Ownership['added']): void {
    if (a.pnpmAllowUnused === want.allowKey && (a.pnpmAllowUnusedIn ?? 'package.json') === want.file) return;
    const at = allowAt(want.file);
    const mine = at.doc.get(at.keys, want.allowKey) === undefined;
    if (mine) {
      at.doc.set(at.keys, want.allowKey, true);
      editsOf({ file: want.file }).push(`${[...at.keys, want.allowKey].join('.')} = true`);
    }
    if (a.pnpmAllowUnused) dropAllowUnused(a);
    if (mine) {
      a.pnpmAllowUnused = want.allowKey;
      if (want.file === WORKSPACE_FILE) a.pnpmAllowUnusedIn = WORKSPACE_FILE;
    }
  }
  const empty = kept.length === 0 && !added.postinstall && !added.devDependency && !added.pnpmAllowUnused && !added.workspaceCreated;
  plan.recordText = empty ? undefined : `${JSON.stringify(plan.record, null, 2)}\n`;
  return plan;
}
