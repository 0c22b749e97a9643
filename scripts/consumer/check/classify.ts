import type { Status } from '../../core/fix.ts';
import { REPORT_SCHEMA_VERSION, type FixState } from '../../core/report.ts';
import { installCommand, usesPatchPackage, type PackageManager } from '../package-manager.ts';
import { describeConfig, type Wired } from '../wiring.ts';
import { ignoresPackageJsonField, readsAllowSetting, type PnpmVersion } from '../pnpm-version.ts';
import type { CheckInput, IosInput } from './read.ts';

/**
 * check's decisions, pure: what read.ts gathered from the app → one row per installed copy, per
 * wired patch that matches nothing installed, and per ios/ copy of the Swift bridge, each with
 * its fixes' own statuses, whether it is a finding, and what to run next.
 */
export type CheckStatus = Status | 'stale-patch' | 'stale-ios-copy' | 'ignored-wiring';

export interface CheckRow {
  /**
   * installed: a copy in node_modules (or a store); wired-patch: a wired patch for nothing installed;
   * ios-copy: the Swift bridge in ios/<App>/; setting: a package-manager setting of the wiring (pnpm's allow-unused-patches).
   */
  kind: 'installed' | 'wired-patch' | 'ios-copy' | 'setting';
  package: string;
  /** Installed version; for a wired patch that matches nothing, the versions installed ("" when none). */
  installed: string;
  /** Where: node_modules path of the copy, the config key, or the ios/ file. */
  path: string;
  /** The fixes that concern this row, each with its own status. */
  fixes: FixState[];
  /** The row's status: derived from the fixes, or stale-patch / stale-ios-copy. */
  status: CheckStatus;
  /** The patch wired for this copy (any author), if any. */
  patch: string | null;
  finding: boolean;
  action: string;
  reason: string;
  /** How the status was decided. */
  via: 'manifest-sha256' | 'detect' | 'no-fixes' | 'config';
}

/** `check --json`: schema/report.schema.json (command "check"). */
export interface CheckReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  command: 'check';
  ok: boolean;
  packageManager: PackageManager;
  cwd: string;
  findings: number;
  results: CheckRow[];
}

/** What to do with a wired patch that does not belong: sync removes only what it wrote. */
function removeAdvice(w: Wired, input: CheckInput, install: string): string {
  if (input.owned.has(w.file)) return `run \`clerk-expo-patches sync\` (it removes the patch it wrote), then \`${install}\``;
  const config = w.config ? ` and its entry ${describeConfig(w.config)}` : '';
  return `remove ${w.file}${config} (sync did not write it and leaves it alone), then \`${install}\``;
}

export function classify(input: CheckInput): CheckReport {
  const { pm } = input;
  const npmLike = usesPatchPackage(pm);
  const install = installCommand(pm);
  const rows: CheckRow[] = [];
  const attached = new Set<Wired>();

  for (const { copy, det, wants } of input.copies) {
    const same = input.wired.filter(
      (w) => (npmLike ? w.target === copy.relPath : w.package === copy.name) && (w.version === copy.version || w.version === undefined),
    );
    const other = npmLike
      ? input.wired.filter((w) => w.target === copy.relPath && w.version !== undefined && w.version !== copy.version)
      : [];
    [...same, ...other].forEach((w) => attached.add(w));
    const patch = same[0]?.file ?? other[0]?.file ?? null;
    const carried = new Set(det.entry?.fixes ?? []);
    const fixes = det.states.map((s) => ({
      ...s,
      ...(same[0] && carried.has(s.id) && (s.status === 'patched' || s.status === 'vulnerable') ? { patch: same[0].file } : {}),
    }));
    const row: CheckRow = {
      kind: 'installed',
      package: copy.name,
      installed: copy.version,
      path: copy.relPath,
      fixes,
      status: det.status,
      patch,
      finding: false,
      action: '',
      reason: det.reason,
      via: det.via,
    };
    const fixedIn = [...new Set(det.states.map((f) => f.fixedUpstreamIn).filter((v): v is string => !!v))].join(' or ');
    if (wants && (same.length || other.length)) {
      row.status = 'stale-patch';
      row.finding = true;
      row.action = `package.json asks for ${copy.name}@${wants}, but node_modules and ${(same[0] ?? other[0])!.file} are for ${copy.version}: run \`clerk-expo-patches sync\`, then \`${install}\`, then sync again`;
    } else if (other.length) {
      row.status = 'stale-patch';
      row.finding = true;
      row.action = other
        .map((w) => `${w.file} is for ${w.version}, installed is ${copy.version}: ${removeAdvice(w, input, install)}`)
        .join('; ');
    } else if (det.foreign && det.status !== 'patched') {
      // A patch ships for this exact version, yet the files are neither pristine nor its output.
      row.status = det.status === 'vulnerable' ? 'vulnerable' : 'unknown-shape';
      row.finding = true;
      row.action = `the installed files are neither the pristine ${copy.version} nor the shipped patch's output (an older or foreign patch applied?): run \`rm -rf ${copy.relPath}\`, then \`${install}\``;
      row.reason = `sha256 matches neither side of ${det.entry!.patch}; detect() says ${det.status}: ${det.reason}`;
    } else if (det.status === 'patched') {
      row.action = same.some((w) => input.unverified.has(w.file))
        ? `patched with an UNVERIFIED patch; ${fixedIn ? `upgrade to ${fixedIn} when you can` : 'prefer a shipped patch'}`
        : 'none';
    } else if (
      det.status === 'vulnerable' &&
      input.pnpm &&
      same.length &&
      same.every((w) => w.config && !w.config.file) &&
      ignoresPackageJsonField(input.pnpm.at)
    ) {
      // pnpm 11 and later do not read package.json's "pnpm" field: the wiring is there, and nothing applies it.
      row.status = 'ignored-wiring';
      row.finding = true;
      row.reason = `${describeConfig(same[0]!.config!)} is ignored: ${pnpmSays(input.pnpm.at)} reads patch wiring from pnpm-workspace.yaml only`;
      row.action = `run \`npx clerk-expo-patches sync\` (it moves the wiring to pnpm-workspace.yaml), then \`${install}\``;
    } else if (det.status === 'vulnerable') {
      row.finding = true;
      if (same.length)
        row.action = `${same[0]!.file} is wired but not applied: run \`${install}\`${npmLike ? ' (its postinstall runs patch-package)' : ''}`;
      else if (det.entry) row.action = `run \`clerk-expo-patches sync\`, then \`${install}\``;
      else
        row.action = `no shipped patch for ${copy.version}: ${fixedIn ? `upgrade to ${fixedIn}, or ` : ''}run \`clerk-expo-patches sync --allow-unverified\``;
    } else if (det.status === 'fixed-upstream') {
      if (same.length) {
        row.finding = true;
        row.action = `drop the patch ${same[0]!.file}: ${copy.name}@${copy.version} is fixed upstream; ${removeAdvice(same[0]!, input, install)}`;
      } else row.action = 'none (fixed upstream; no patch needed)';
    } else if (det.status === 'unknown-shape') {
      row.finding = true;
      row.action = 'the installed code is not a shape the fixes know: do not ship; report it to clerk-expo-patches with the version';
    } else row.action = 'none';
    rows.push(row);
  }

  // Patches wired for a version (or node_modules path) that is not installed at all.
  for (const w of input.wired) {
    if (attached.has(w)) continue;
    if (!npmLike && input.copies.some(({ copy: c }) => c.name === w.package && (w.version === undefined || c.version === w.version)))
      continue;
    const installed = [...new Set(input.copies.filter(({ copy: c }) => c.name === w.package).map(({ copy: c }) => c.version))].join(', ');
    rows.push({
      kind: 'wired-patch',
      package: w.package,
      installed,
      path: w.target ?? w.config?.key ?? w.file,
      fixes: [],
      status: 'stale-patch',
      patch: w.file,
      finding: true,
      action: `${w.file} is for ${w.package}@${w.version ?? '?'}, which is not installed${installed ? ` (installed: ${installed})` : ''}: ${removeAdvice(w, input, install)}`,
      reason: 'a wired patch matches no installed copy',
      via: 'config',
    });
  }

  rows.push(...input.ios.map((x) => iosRow(x, input, install)));
  if (input.pnpm && input.wired.length) rows.push(...allowSettingRows(input.pnpm.at, input.pnpm.allowSettings, install));
  const findings = rows.filter((r) => r.finding).length;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    command: 'check',
    ok: findings === 0,
    packageManager: pm,
    cwd: input.appDir,
    findings,
    results: rows,
  };
}

const GOOD: readonly string[] = ['patched', 'fixed-upstream', 'not-affected'];

/**
 * The app's copy of the Swift bridge, judged on its own and then against node_modules, with the
 * steps in the order that works: patch node_modules first (sync, install), then prebuild.
 */
function iosRow({ ios, expo, state, nodeModules, same }: IosInput, input: CheckInput, install: string): CheckRow {
  const row: CheckRow = {
    kind: 'ios-copy',
    package: '@clerk/expo',
    installed: expo.version,
    path: ios.file,
    fixes: state.fixes,
    status: state.status,
    patch: null,
    finding: false,
    action: 'none',
    reason: state.reason,
    via: state.via,
  };
  const nmFile = `${expo.relPath}/${ios.source}`;
  const prebuild = 'run `npx expo prebuild --clean` and commit ios/ (a committed ios/ is not re-prebuilt on EAS)';
  const patchFirst =
    input.copies.some(({ copy, det }) => copy === expo && det.entry) || input.wired.some((w) => w.package === '@clerk/expo')
      ? `patch node_modules first (see the @clerk/expo row: \`clerk-expo-patches sync\` if nothing is wired, then \`${install}\`)`
      : `upgrade @clerk/expo or run \`clerk-expo-patches sync --allow-unverified\`, then \`${install}\``;
  if (nodeModules && !same && GOOD.includes(nodeModules.status)) {
    // node_modules is good and the copy differs from it, whatever the copy is: a prebuild makes it right.
    row.status = 'stale-ios-copy';
    row.finding = true;
    row.reason = `${ios.file} differs from ${nmFile} (${nodeModules.status}); the copy: ${state.reason}`;
    row.action = prebuild;
  } else if (state.status === 'unknown-shape') {
    row.finding = true;
    row.action = `the copy is not a shape the fixes know: ${prebuild}${nodeModules && GOOD.includes(nodeModules.status) ? '' : ` after you ${patchFirst}`}`;
  } else if (!nodeModules) {
    row.status = 'stale-ios-copy';
    row.finding = true;
    row.reason = `the installed @clerk/expo@${expo.version} has no ${ios.source}; ${ios.file} is left over from another version (${state.reason})`;
    row.action = prebuild;
  } else if (same) {
    if (state.status === 'vulnerable') {
      row.finding = true;
      row.action = `the copy and ${nmFile} are both unpatched: ${patchFirst}, then ${prebuild}`;
    } else row.action = 'none (same bytes as node_modules)';
  } else if (state.status === 'patched') {
    // The good copy: a prebuild now would overwrite it with the unpatched file from node_modules.
    row.action = `keep this copy: ${nmFile} is ${nodeModules.status}, so do not prebuild before you ${patchFirst}`;
  } else {
    row.finding = true;
    row.action = `${patchFirst}, then ${prebuild}`;
  }
  return row;
}

const pnpmSays = (v: PnpmVersion): string => (v.version ? `pnpm ${v.version} (${v.from})` : `pnpm 11 or later (assumed: ${v.from})`);

/**
 * pnpm's allow-unused-patches setting under a name or in a file this pnpm does not read: an
 * upgrade PR then stops on pnpm's ERR_PNPM_UNUSED_PATCH before our guard can say what to do.
 * Only when the app's pnpm version is known (check never runs pnpm to ask).
 */
function allowSettingRows(
  at: PnpmVersion,
  settings: ReadonlyArray<{ file: 'package.json' | 'pnpm-workspace.yaml'; key: 'allowUnusedPatches' | 'allowNonAppliedPatches' }>,
  install: string,
): CheckRow[] {
  if (!at.version || settings.some((s) => readsAllowSetting(at.version!, s.file, s.key))) return [];
  return settings.map((s) => ({
    kind: 'setting',
    package: 'pnpm',
    installed: at.version!,
    path: s.file === 'package.json' ? `pnpm.${s.key} in package.json` : `${s.key} in pnpm-workspace.yaml`,
    fixes: [],
    status: 'ignored-wiring',
    patch: null,
    finding: true,
    action: `run \`npx clerk-expo-patches sync\` (it sets the name and place this pnpm reads), then \`${install}\``,
    reason: `${pnpmSays(at)} does not read ${s.key} from ${s.file}: an upgrade PR would stop on pnpm's unused-patch error before clerk-expo-patches can say what to do`,
    via: 'config',
  }));
}
