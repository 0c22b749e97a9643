import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { FIXES } from '../../scripts/fixes/index.ts';
import { fetchPackage, listVersions } from '../../scripts/produce/npm-registry.ts';

/** Deterministic shuffle (mulberry32), so a failure can be replayed. */
function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('detect() on damaged real files never throws and never says patched', () => {
  for (const fix of FIXES) {
    it(`${fix.id}: truncated and shuffled copies of a vulnerable target`, async () => {
      const version = (await listVersions(fix.package)).map((v) => v.version).find((v) => semver.satisfies(v, fix.affected))!;
      const pkg = await fetchPackage(fix.package, version);
      const [file] = fix.targets(pkg);
      const text = pkg.read(file!)!;
      const d = fix.detect(text, file!);
      expect(d.status).toBe('vulnerable');
      const cuts = [0, 0.1, 0.5, 0.9, 0.999].map((f) => Math.floor(text.length * f));
      if (d.node) cuts.push(d.node.start + 1, Math.floor((d.node.start + d.node.end) / 2), d.node.end - 1);
      const variants = [
        ...cuts.map((c) => [`truncated at ${c}`, text.slice(0, c)] as const),
        ...cuts.map((c) => [`head cut at ${c}`, text.slice(c)] as const),
        ...[1, 2, 3].map((seed) => [`lines shuffled (seed ${seed})`, shuffled(text.split('\n'), seed).join('\n')] as const),
        ['CRLF line endings', text.replace(/\n/g, '\r\n')] as const,
      ];
      for (const [name, variant] of variants) {
        let status: string;
        try {
          status = fix.detect(variant, file!).status;
        } catch (err) {
          throw new Error(`${fix.id} detect() threw on ${name}: ${(err as Error).message}`);
        }
        expect(status, `${fix.id} on ${name}`).not.toBe('patched');
      }
    });
  }
});
