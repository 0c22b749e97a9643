import { type Detection, type Fix, type PackageSnapshot, type Status } from '../core/fix.ts';
import { ShapeError } from '../core/errors.ts';
import { fixesCovering, type FixDetection } from './fix-status.ts';
import { writePatch, type FileChange } from '../patch-file/write.ts';
import { parseJs } from './js-ast.ts';
import { countParseProblems } from './swift-ast.ts';

/**
 * The one road from a pristine package version to its patch: every fix whose range covers the
 * version runs on its targets (in registry order, so fixes sharing a file compose), producing
 * the patched files and the patch text. Nothing here touches the disk.
 */
export interface PatchedFile extends FileChange {
  fixes: string[];
  nodes: string[];
}

export interface PackagePatch {
  name: string;
  version: string;
  fixes: Fix[];
  files: PatchedFile[];
  patch: string;
}

export { fixesCovering, summarize, type FixDetection } from './fix-status.ts';

export function buildPatch(pkg: PackageSnapshot, fixes: readonly Fix[]): PackagePatch | undefined {
  const covering = fixesCovering(fixes, pkg.version);
  if (covering.length === 0) return undefined;
  const files = new Map<string, PatchedFile>();
  for (const fix of covering) {
    const targets = fix.targets(pkg);
    if (targets.length === 0) throw new ShapeError(fix.id, `${pkg.name}@${pkg.version}`, 'at least one target file');
    for (const target of targets) {
      const current = files.get(target);
      const text = current?.after ?? pkg.read(target);
      if (text === undefined) throw new ShapeError(fix.id, `${pkg.name}@${pkg.version}/${target}`, 'the target file');
      const r = fix.apply(text, target);
      if (!r.changed) {
        throw new ShapeError(
          fix.id,
          `${pkg.name}@${pkg.version}/${target}`,
          `vulnerable code (its affected range ${fix.affected} covers this version) but detect() says ${r.status}: ${r.reason}`,
        );
      }
      const entry = current ?? { path: target, before: text, after: text, fixes: [], nodes: [] };
      entry.after = r.text;
      entry.fixes.push(fix.id);
      entry.nodes.push(r.node.label, ...(r.added ?? []).map((n) => n.label));
      files.set(target, entry);
    }
  }
  // Post-conditions on every patched file: it parses, and each fix that touched it now detects
  // it as patched (the forward-then-reverse check: apply's output is what detect() recognises).
  for (const f of files.values()) {
    assertParses(f);
    for (const id of f.fixes) {
      const d = covering.find((x) => x.id === id)!.detect(f.after, f.path);
      if (d.status !== 'patched')
        throw new Error(
          `${id}: ${pkg.name}@${pkg.version}/${f.path}: after apply, detect() says ${d.status} (${d.reason}); the codemod and its detector disagree`,
        );
    }
  }
  const list = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  return { name: pkg.name, version: pkg.version, fixes: covering, files: list, patch: writePatch(pkg.name, list) };
}

/** A patched JS file must still parse: a syntax error here would break the user's app at load. */
function assertParses(f: PatchedFile) {
  if (f.path.endsWith('.swift')) {
    // Swift cannot be compiled here: zero ERROR and MISSING nodes is the bar a patched file must meet.
    const p = countParseProblems(f.after);
    if (p.errors + p.missing > 0)
      throw new Error(`${f.path}: the patched file does not parse: ${p.errors} ERROR and ${p.missing} MISSING node(s)`);
    return;
  }
  if (!/\.(c|m)?js$/.test(f.path)) return;
  const sf = parseJs(f.after, f.path) as unknown as { parseDiagnostics?: { messageText: unknown }[] };
  const diags = sf.parseDiagnostics ?? [];
  if (diags.length > 0) throw new Error(`${f.path}: the patched file does not parse: ${String(diags[0]!.messageText)}`);
}

/** detect() of every fix of the package on every one of its targets in this version. */

export function detectAll(
  pkg: PackageSnapshot,
  fixes: readonly Fix[],
  read: (p: string) => string | undefined = (p) => pkg.read(p),
  detect: (fix: Fix, text: string, file: string) => Detection = (fix, text, file) => fix.detect(text, file),
): FixDetection[] {
  const out: FixDetection[] = [];
  for (const fix of fixes) {
    for (const file of fix.targets(pkg)) {
      const text = read(file);
      out.push({
        fix: fix.id,
        file,
        detection: text === undefined ? { status: 'unknown-shape', reason: `${file} is missing` } : detect(fix, text, file),
      });
    }
  }
  return out;
}
