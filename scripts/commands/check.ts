// Commands: parse options, call the layers below, print. One file per CLI command.
import path from 'node:path';
import { metasFor } from '../fixes/catalog.ts';
import { fixCodeFor } from './fix-code.ts';
import { SHIPPED_MANIFEST } from '../infra/paths.ts';
import { detectCopy } from '../consumer/copy-detect.ts';
import { findInstalled, nothingInstalled, TARGET_PACKAGES, type InstalledCopy } from '../consumer/installed.ts';
import { isTargetPackage } from '../core/targets.ts';
import { findIosCopies, iosCopyProblem } from '../consumer/ios-copies.ts';
import { readManifest } from '../patch-file/manifest.ts';
import { readOwnership } from '../consumer/ownership.ts';
import { outOfDate, readPackageJson } from '../consumer/package-json.ts';
import { detectPackageManager, installCommand, parsePmOption, usesPatchPackage, type PackageManager } from '../consumer/package-manager.ts';
import { readWired, type Wired } from '../consumer/wiring.ts';
import { ms, say } from '../infra/progress.ts';
import { formatTable } from '../infra/table.ts';

export type CheckStatus = 'patched' | 'vulnerable' | 'fixed-upstream' | 'not-affected' | 'stale-patch' | 'unknown-shape' | 'stale-ios-copy';

export interface CheckRow {
  package: string;
  /** Installed version ("" when nothing of that package is installed). */
  installed: string;
  /** Where: node_modules path of the copy, or the ios/ file. */
  path: string;
  /** Fix letters and ids that concern this copy. */
  fixes: string[];
  status: CheckStatus;
  fixedIn: string | null;
  /** The patch wired for this copy (any author), if any. */
  patch: string | null;
  finding: boolean;
  action: string;
  reason: string;
  /** How the status was decided: manifest sha256 match (fast path), detect() on the AST, or a file comparison. */
  via: string;
}

export interface CheckReport {
  ok: boolean;
  packageManager: PackageManager;
  cwd: string;
  findings: number;
  results: CheckRow[];
}

export interface CheckOptions {
  cwd?: string;
  json?: boolean;
  pm?: string;
  manifestFile?: string;
}

/**
 * check: what is installed, read from the installed files. Exit 0 clean, 1 findings, 2 tool error.
 */
export async function check(opts: CheckOptions = {}): Promise<number> {
  const t0 = performance.now();
  const report = await runCheck(opts);
  // The table is for humans: stdout normally, stderr when stdout carries JSON.
  if (opts.json) say(formatReport(report));
  else process.stdout.write(`${formatReport(report)}\n`);
  say(`check: ${report.results.length} row(s), ${report.findings} finding(s), ${ms(t0)}`);
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

export async function runCheck(opts: CheckOptions = {}): Promise<CheckReport> {
  const appDir = path.resolve(opts.cwd ?? process.cwd());
  const pj = readPackageJson(appDir);
  const pm = opts.pm ? parsePmOption(opts.pm) : detectPackageManager(appDir, pj.data).pm;
  const manifest = readManifest(opts.manifestFile ?? SHIPPED_MANIFEST);
  const copies = findInstalled(appDir, TARGET_PACKAGES);
  if (copies.length === 0) {
    throw nothingInstalled(appDir, pm, `run \`${installCommand(pm)}\` before check (check reads the installed files), or pass --cwd <app dir>`);
  }
  const record = readOwnership(appDir, pm);
  const unverified = new Set(record.patches.filter((p) => p.unverified).map((p) => p.file));
  const wired = readWired(appDir, pm, pj.data).filter((w) => isTargetPackage(w.package));
  const npmLike = usesPatchPackage(pm);
  const install = installCommand(pm);
  const rows: CheckRow[] = [];
  const attached = new Set<Wired>();

  for (const copy of copies) {
    const det = await detectCopy(copy, manifest, metasFor(copy.name), () => fixCodeFor(copy.name));
    const same = wired.filter((w) => (npmLike ? w.target === copy.relPath : w.package === copy.name) && (w.version === copy.version || w.version === undefined));
    const other = npmLike ? wired.filter((w) => w.target === copy.relPath && w.version !== undefined && w.version !== copy.version) : [];
    [...same, ...other].forEach((w) => attached.add(w));
    const fixedIn = [...new Set(det.fixes.map((f) => f.fixedUpstreamIn).filter((v): v is string => !!v))].join(', ') || null;
    const row: CheckRow = {
      package: copy.name,
      installed: copy.version,
      path: copy.relPath,
      fixes: det.fixes.map((f) => `${f.letter}:${f.id}`),
      status: det.status,
      fixedIn,
      patch: same[0]?.file ?? other[0]?.file ?? null,
      finding: false,
      action: '',
      reason: det.reason,
      via: det.via,
    };
    const wants = outOfDate(pj.data, copy);
    if (wants && (same.length || other.length)) {
      row.status = 'stale-patch';
      row.finding = true;
      row.action = `package.json asks for ${copy.name}@${wants}, but node_modules and ${(same[0] ?? other[0])!.file} are for ${copy.version}: run \`clerk-expo-patches sync\`, then \`${install}\`, then sync again`;
    } else if (other.length) {
      row.status = 'stale-patch';
      row.finding = true;
      row.action = `${other.map((w) => `${w.file} is for ${w.version}`).join('; ')}, installed is ${copy.version}: run \`clerk-expo-patches sync\`, then \`${install}\``;
    } else if (det.foreign && det.status !== 'patched') {
      // A patch ships for this exact version, yet the files are neither pristine nor its output.
      row.status = det.status === 'vulnerable' ? 'vulnerable' : 'unknown-shape';
      row.finding = true;
      row.action = `the installed files are neither the pristine ${copy.version} nor the shipped patch's output (an older or foreign patch applied?): run \`rm -rf ${copy.relPath}\`, then \`${install}\``;
      row.reason = `sha256 matches neither side of ${det.entry!.patch}; detect() says ${det.status}: ${det.reason}`;
    } else if (det.status === 'patched') {
      row.action = same.some((w) => unverified.has(w.file)) ? `patched with an UNVERIFIED patch; ${fixedIn ? `upgrade to ${fixedIn} when you can` : 'prefer a shipped patch'}` : 'none';
    } else if (det.status === 'vulnerable') {
      row.finding = true;
      if (same.length) row.action = `${same[0]!.file} is wired but not applied: run \`${install}\`${npmLike ? ' (its postinstall runs patch-package)' : ''}`;
      else if (det.entry) row.action = `run \`clerk-expo-patches sync\`, then \`${install}\``;
      else row.action = `no shipped patch for ${copy.version}: ${fixedIn ? `upgrade to ${fixedIn}, or ` : ''}run \`clerk-expo-patches sync --allow-unverified\``;
    } else if (det.status === 'fixed-upstream') {
      if (same.length) {
        row.finding = true;
        row.action = `drop the patch ${same[0]!.file}: ${copy.name}@${copy.version} is fixed upstream; run \`clerk-expo-patches sync\``;
      } else row.action = 'none (fixed upstream; no patch needed)';
    } else if (det.status === 'unknown-shape') {
      row.finding = true;
      row.action = 'the installed code is not a shape the fixes know: do not ship; report it to clerk-expo-patches with the version';
    } else row.action = 'none';
    rows.push(row);
  }

  // Patches wired for a version (or node_modules path) that is not installed at all.
  for (const w of wired) {
    if (attached.has(w)) continue;
    if (!npmLike && copies.some((c) => c.name === w.package && (w.version === undefined || c.version === w.version))) continue;
    const installed = [...new Set(copies.filter((c) => c.name === w.package).map((c) => c.version))].join(', ');
    rows.push({
      package: w.package,
      installed,
      path: w.target ?? w.config?.key ?? w.file,
      fixes: [],
      status: 'stale-patch',
      fixedIn: null,
      patch: w.file,
      finding: true,
      action: `${w.file} is for ${w.package}@${w.version ?? '?'}, which is not installed${installed ? ` (installed: ${installed})` : ''}: run \`clerk-expo-patches sync\`, then \`${install}\``,
      reason: 'a wired patch matches no installed copy',
      via: 'config',
    });
  }

  rows.push(...iosRows(appDir, copies));
  const findings = rows.filter((r) => r.finding).length;
  return { ok: findings === 0, packageManager: pm, cwd: appDir, findings, results: rows };
}

function iosRows(appDir: string, copies: InstalledCopy[]): CheckRow[] {
  const expo = copies.find((c) => c.name === '@clerk/expo' && c.chain.length === 1 && !c.inStore) ?? copies.find((c) => c.name === '@clerk/expo');
  if (!expo) return [];
  const rows: CheckRow[] = [];
  for (const ios of findIosCopies(appDir)) {
    const problem = iosCopyProblem(appDir, ios, expo.dir);
    rows.push({
      package: '@clerk/expo',
      installed: expo.version,
      path: ios.file,
      fixes: [],
      status: problem ? 'stale-ios-copy' : 'patched',
      fixedIn: null,
      patch: null,
      finding: !!problem,
      action: problem ? 'run `npx expo prebuild --clean` and commit ios/ (a committed ios/ is not re-prebuilt on EAS)' : 'none (same bytes as node_modules)',
      reason: problem ?? `${ios.file} is byte-identical to ${expo.relPath}/ios/${ios.name}`,
      via: 'file-compare',
    });
  }
  return rows;
}

export function formatReport(r: CheckReport): string {
  const table = formatTable(
    ['package', 'installed', 'fix', 'status', 'fixed-in', 'action'],
    r.results.map((x) => [
      x.path === `node_modules/${x.package}` ? x.package : `${x.package} (${x.path})`,
      x.installed || '-',
      x.fixes.map((f) => f.split(':')[0]).join('+') || '-',
      x.finding ? `${x.status} ✗` : x.status,
      x.fixedIn ?? '-',
      x.action,
    ]),
  );
  const head = `clerk-expo-patches check (${r.packageManager}) in ${r.cwd}`;
  const tail = r.ok ? 'ok: no findings' : `${r.findings} finding(s) — see the action column`;
  return `${head}\n${table}\n${tail}`;
}
