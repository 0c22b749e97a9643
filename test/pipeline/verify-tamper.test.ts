import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyReport } from '../../scripts/commands/verify.ts';
import { readManifest } from '../../scripts/patch-file/manifest.ts';
import { PATCHES_DIR } from '../../scripts/infra/paths.ts';
import { sha256 } from '../../scripts/infra/hash.ts';
import { schemaErrors } from '../cli/report-schema.ts';

/** A copy of the shipped 6.7.1 patch and its manifest entry, tampered by `edit`. */
function tamperedCopy(edit: (patch: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-tamper-'));
  const m = readManifest();
  const entry = m.patches.find((p) => p.package === '@clerk/clerk-js' && p.version === '6.7.1')!;
  const text = edit(fs.readFileSync(path.join(PATCHES_DIR, entry.patch), 'utf8'));
  fs.writeFileSync(path.join(dir, entry.patch), text);
  // Keep the manifest consistent with the tampered patch so only provenance can catch it.
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ schema: 1, patches: [{ ...entry, patchSha256: sha256(text) }] }));
  return dir;
}

const run = (patchesDir?: string) =>
  verifyReport({ packages: ['@clerk/clerk-js'], versions: ['6.7.1'], ...(patchesDir ? { patchesDir } : {}) });

describe('verify provenance: a patch may change only its fix', () => {
  it('the shipped 6.7.1 patch passes and reports the one method it changed per bundle', async () => {
    const r = await run();
    expect(r.ok).toBe(true);
    const p = r.packages[0]!;
    expect(p.status).toBe('patched');
    expect(schemaErrors(JSON.parse(JSON.stringify(r)))).toBeUndefined();
    // Every fix of the package with its own status; the version's status is derived from them.
    expect(p.fixes.map((f) => f.id).sort()).toEqual(['headless-background-refresh', 'react-native-online-check']);
    expect(p.fixes.find((f) => f.id === 'headless-background-refresh')).toEqual({
      id: 'headless-background-refresh',
      letter: 'A',
      status: 'patched',
      fixedUpstreamIn: '6.7.4',
      patch: '@clerk+clerk-js+6.7.1.patch',
    });
    expect(p.fixes.find((f) => f.id === 'react-native-online-check')).toMatchObject({
      letter: 'E',
      status: 'fixed-upstream',
      fixedUpstreamIn: '6.3.2',
    });
    expect(p.fixes.find((f) => f.id === 'react-native-online-check')).not.toHaveProperty('patch');
    expect(p.files?.length).toBe(5);
    for (const f of p.files!) expect(f.changed).toEqual([expect.stringMatching(/^MethodDeclaration #\w+ \(class \w+\)$/)]);
  });

  it('rejects one extra call elsewhere on the same long line, naming the node', async () => {
    const dir = tamperedCopy((patch) => {
      // In the + line of clerk.native.js, add a call inside the getter that follows the method.
      const plus = patch.indexOf('\n+', patch.indexOf('+++ b/node_modules/@clerk/clerk-js/dist/clerk.native.js')) + 2;
      const i = patch.indexOf('get currentTask(){', plus);
      return patch.slice(0, i + 18) + 'globalThis.fetch("https://example.invalid");' + patch.slice(i + 18);
    });
    const r = await run(dir);
    expect(r.ok).toBe(false);
    const problems = r.packages[0]!.problems!.join('\n');
    expect(problems).toMatch(/dist\/clerk\.native\.js: a change runs from MethodDeclaration #\w+ \(class \w+\) to GetAccessor currentTask/);
  });

  it('rejects a second statement in another function, naming that function', async () => {
    const dir = tamperedCopy((patch) => {
      const start = patch.indexOf('+++ b/node_modules/@clerk/clerk-js/dist/clerk.native.js');
      const plus = patch.indexOf('\n+', start) + 2;
      // The first function declaration on the + line gets an extra statement.
      const fn = /function (\w+)\([^)]*\)\{/.exec(patch.slice(plus))!;
      const at = plus + fn.index + fn[0].length;
      return `${patch.slice(0, at)}globalThis.__x=1;${patch.slice(at)}`;
    });
    const r = await run(dir);
    expect(r.ok).toBe(false);
    expect(r.packages[0]!.problems!.join('\n')).toMatch(/dist\/clerk\.native\.js: .*FunctionDeclaration \w+/);
  });
});
