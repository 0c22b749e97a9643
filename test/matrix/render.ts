import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { loadMatrixScenario, matrixScenarioNames } from './scenarios.ts';
import { DOCS, cellKey, type MatrixStore } from './store.ts';

/**
 * docs/session-matrix.md: the text around the markers is the maintainers'; between them the
 * table is generated from docs/session-matrix.json (one row per version, one column per
 * scenario; "pristine → patched" where a patch ships). No timestamps: same data, same bytes.
 */
export const MATRIX_DOC = path.join(DOCS, 'session-matrix.md');
const START = '<!-- matrix:start (written by `npm run matrix`; do not edit) -->';
const END = '<!-- matrix:end -->';

const INTRO = `# Session-loss matrix

"On the version I run, do my users lose their session, and does the patch stop it?" Every scenario
below runs the real published \`ClerkProvider\` of each \`@clerk/expo\` version on the dependency
closure that version's own package.json resolves today, against the fake Frontend API, a simulated
native module (per bridge generation) and a simulated secure store (test/harness/expo/,
test/matrix/). Scenarios: [\`fixtures/matrix/\`](../fixtures/matrix). Regenerate with
\`npm run matrix\` (\`--versions\`, \`--scenarios\`, \`--json\`).

Native behaviour is modelled, not executed: the bridge contract of each generation (3.1–3.3
\`configure/getSession/getClientToken/signOut\`; 3.4 \`getClientToken\`/\`refreshClient\` with the JS
\`syncNativeClientToJs\`; 3.5+ \`syncClientStateFromJs\` device-token contract), and the Swift
behaviours Fixes B and C change, taken as patched when the loaded patch lists the fix.

`;

export function renderMatrix(store: MatrixStore): string {
  const scenarios = matrixScenarioNames();
  const versions = Object.keys(store.versions).sort(semver.compare);
  const lines: string[] = [];
  lines.push(
    'Legend: `kept` still signed in · `lost` signed out (or the session ended) without asking · `signed out` signed out as expected · `stuck` still signed in after a sign-out / server-side end · `—` not applicable (no native module in 3.0.1; 3.4.2–3.7.8 cannot start on Android without it) · `not modelled` · `a → b` pristine → with the shipped patch.',
  );
  lines.push('');
  lines.push('| scenario | fix | configuration | what the user experiences |');
  lines.push('|---|---|---|---|');
  for (const name of scenarios) {
    const s = loadMatrixScenario(name);
    const config = `${s.platform === 'ios' ? 'iOS' : 'Android'}, ${s.native ? 'native module' : 'JS only'}`;
    lines.push(`| \`${name}\` | ${s.fix ?? ''} | ${config} | ${s.user ?? ''} (expected: ${s.expect ?? 'signed-in'}) |`);
  }
  lines.push('');
  lines.push(
    `| @clerk/expo | bridge | clerk-js | ${scenarios
      .map((n) => loadMatrixScenario(n).title ?? n)
      .map((t, i) => `${t}${loadMatrixScenario(scenarios[i]!).fix ? ` (${loadMatrixScenario(scenarios[i]!).fix})` : ''}`)
      .join(' | ')} |`,
  );
  lines.push(`|---|---|---|${scenarios.map(() => '---').join('|')}|`);
  for (const version of versions) {
    const row = scenarios.map((scenario) => {
      const pristine = store.cells[cellKey({ version, variant: 'pristine', scenario })]?.result ?? '?';
      const patched = store.cells[cellKey({ version, variant: 'patched', scenario })]?.result;
      return patched === undefined ? pristine : `${pristine} → ${patched}`;
    });
    lines.push(`| ${version} | ${bridgeFor(version)} | ${store.versions[version]!.clerkJs} | ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Rewrites the generated part of docs/session-matrix.md; true when its bytes changed. */
export function writeMatrixDoc(store: MatrixStore, file = MATRIX_DOC): boolean {
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `${INTRO}${START}\n${END}\n`;
  const s = before.indexOf(START);
  const e = before.indexOf(END);
  if (s < 0 || e < s) throw new Error(`${file}: the markers ${START} … ${END} are missing`);
  const after = `${before.slice(0, s + START.length)}\n${renderMatrix(store)}\n${before.slice(e)}`;
  if (after === before) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, after);
  return true;
}
