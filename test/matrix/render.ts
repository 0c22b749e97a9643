import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { outcomeStyles } from './outcomes.ts';
import { renderClerkJsTable } from './render-clerk-js.ts';
import { renderMatrixSvg } from './render-svg.ts';
import { loadMatrixScenario, matrixColumns, type MatrixColumn } from './scenarios.ts';
import { DOCS, cellKey, type MatrixStore } from './store.ts';

/**
 * docs/session-matrix.md: the text around the markers is the maintainers'; between them the
 * table is generated from docs/session-matrix.json (one row per version, one column per
 * scenario; "pristine → patched" where a patch ships). No timestamps: same data, same bytes.
 */
export const MATRIX_DOC = path.join(DOCS, 'session-matrix.md');
export const MATRIX_SVG = path.join(DOCS, 'session-matrix.svg');
const START = '<!-- matrix:start (written by `npm run matrix`; do not edit) -->';
const END = '<!-- matrix:end -->';

const INTRO = `# Session-loss matrix

"On the version I run, do my users lose their session, and does the patch stop it?" Every scenario
below runs the real published \`ClerkProvider\` of each \`@clerk/expo\` version on the dependency
closure that version's own package.json resolves today, against the fake Frontend API, a simulated
native module (per bridge generation) and a simulated secure store (test/harness/expo/,
test/matrix/). Scenarios: [\`fixtures/matrix/\`](../fixtures/matrix). Regenerate with
\`npm run matrix\` (\`--versions\`, \`--scenarios\`, \`--json\`).

Every dependency set above resolves the newest \`@clerk/clerk-js\` (so Fixes A and E, which patch
clerk-js 6.0.0–6.7.1, have no column there). The second table, after it, runs every served
clerk-js 6.x version headless (its React Native bundle on a virtual clock against the same fake
Frontend API): three hours in the background with stale credentials (A) and an uncached
\`getToken()\` with React Native's navigator (E), pristine and with the shipped clerk-js patch, and
names the @clerk/expo versions whose dependency range allows each clerk-js version (an older one
runs where a lockfile pins it). Regenerate it alone with \`npm run matrix -- --clerk-js\`.

Native behaviour is modelled, not executed: the bridge contract of each generation (3.1–3.3
\`configure/getSession/getClientToken/signOut\`; 3.4 \`getClientToken\`/\`refreshClient\` with the JS
\`syncNativeClientToJs\`; 3.5+ \`syncClientStateFromJs\` device-token contract), and the Swift
behaviours Fixes B and C change, taken as patched when the loaded patch lists the fix.

`;

/** The generated part of the page: legend, scenario table and the matrix table for `columns` (default: every scenario). */
export function renderMatrix(store: MatrixStore, columns: readonly MatrixColumn[] = matrixColumns()): string {
  const scenarios = columns.map((c) => c.name);
  const versions = Object.keys(store.versions).sort(semver.compare);
  const lines: string[] = [];
  const present = new Set(Object.values(store.cells).map((c) => c.result as string));
  const legend = outcomeStyles(present)
    .filter((o) => o.alwaysInLegend || present.has(o.result))
    .map((o) => (o.meaning ? `\`${o.result}\` ${o.meaning}` : `\`${o.result}\``));
  lines.push(`Legend: ${[...legend, '`a → b` pristine → with the shipped patch.'].join(' · ')}`);
  lines.push('');
  lines.push('![The session-loss matrix as a heat map: versions by scenarios, pristine and patched](session-matrix.svg)');
  lines.push('');
  lines.push('| scenario | fix | configuration | what the user experiences |');
  lines.push('|---|---|---|---|');
  for (const name of scenarios) {
    const s = loadMatrixScenario(name);
    const config = `${s.platform === 'ios' ? 'iOS' : 'Android'}, ${s.native ? 'native module' : 'JS only'}`;
    lines.push(
      `| \`${name}\` | ${s.fix ?? ''} | ${config} | ${s.user ?? ''} (expected: ${s.expect ?? 'signed-in'})${s.note ? ` **Not fixed:** ${s.note}` : ''} |`,
    );
  }
  lines.push('');
  lines.push(`| @clerk/expo | bridge | clerk-js | ${columns.map((c) => c.title).join(' | ')} |`);
  lines.push(`|---|---|---|${scenarios.map(() => '---').join('|')}|`);
  // A version has a patched column when any of its cells is patched (a scenario with no cells yet shows `?`).
  const patchedVersions = new Set(
    Object.keys(store.cells)
      .map((k) => k.split(' '))
      .filter((p) => p[1] === 'patched')
      .map((p) => p[0]!),
  );
  // Cells whose verdict depends on an assumed rule of the fakes: marked, and listed under the table.
  const depends: string[] = [];
  const shown = (version: string, variant: 'pristine' | 'patched', scenario: string): string => {
    const cell = store.cells[cellKey({ version, variant, scenario })];
    if (!cell) return '?';
    if (!cell.readings) return cell.result;
    const others = Object.entries(cell.readings).map(([reading, result]) => `\`${result}\` under ${reading}`);
    depends.push(`- ${version} ${variant} \`${scenario}\`: \`${cell.result}\` (default readings); ${others.join('; ')}`);
    return `${cell.result}*`;
  };
  for (const version of versions) {
    const row = scenarios.map((scenario) => {
      const pristine = shown(version, 'pristine', scenario);
      return patchedVersions.has(version) ? `${pristine} → ${shown(version, 'patched', scenario)}` : pristine;
    });
    lines.push(`| ${version} | ${bridgeFor(version)} | ${store.versions[version]!.clerkJs} | ${row.join(' | ')} |`);
  }
  if (depends.length > 0) {
    lines.push('');
    lines.push(
      '`*` The verdict depends on a rule of the fakes that evidence does not settle (test/harness/assumed-rules.ts; evidence in test/harness/README.md and test/harness/expo/README.md). Every cell ran under the default readings, then again under each other reading of every assumed rule that decided something in it; these cells changed:',
    );
    lines.push('');
    lines.push(...depends);
  }
  return lines.join('\n');
}

/** Rewrites the generated part of docs/session-matrix.md (the @clerk/expo table, then the clerk-js one when the store has it); true when its bytes changed. */
export function writeMatrixDoc(store: MatrixStore, file = MATRIX_DOC): boolean {
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `${INTRO}${START}\n${END}\n`;
  const s = before.indexOf(START);
  const e = before.indexOf(END);
  if (s < 0 || e < s) throw new Error(`${file}: the markers ${START} … ${END} are missing`);
  const generated = store.clerkJs ? `${renderMatrix(store)}\n\n${renderClerkJsTable(store.clerkJs)}` : renderMatrix(store);
  const after = `${before.slice(0, s + START.length)}\n${generated}\n${before.slice(e)}`;
  if (after === before) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, after);
  return true;
}

/** Redraws docs/session-matrix.svg from the store (render-svg.ts); true when its bytes changed. */
export function writeMatrixSvg(store: MatrixStore, file = MATRIX_SVG, columns: readonly MatrixColumn[] = matrixColumns()): boolean {
  const svg = renderMatrixSvg(store, columns, bridgeFor);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === svg) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, svg);
  return true;
}
