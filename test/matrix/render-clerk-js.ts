import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { expoAllowingRuns } from './clerk-js-expo.ts';
import { CLERK_JS_SCENARIOS } from './clerk-js-scenarios.ts';
import { outcomeStyles } from './outcomes.ts';
import { renderMatrixSvg } from './render-svg.ts';
import { DOCS, type ClerkJsStore } from './store.ts';

/**
 * The clerk-js table of docs/session-matrix.md (after the @clerk/expo one, between the same
 * markers) and its picture docs/session-matrix-clerk-js.svg, drawn from the `clerkJs` part of
 * docs/session-matrix.json. No timestamps: same data, same bytes.
 */
export const CLERK_JS_SVG = path.join(DOCS, 'session-matrix-clerk-js.svg');
/** Listed in this table's legend even when no cell has them. */
const ALWAYS = ['kept', 'lost', 'no token'];

const cellKey = (version: string, variant: string, scenario: string) => `${version} ${variant} ${scenario}`;

export function renderClerkJsTable(store: ClerkJsStore): string {
  const versions = Object.keys(store.versions).sort(semver.compare);
  const present = new Set(Object.values(store.cells).map((c) => c.result as string));
  const legend = outcomeStyles(present)
    .filter((o) => ALWAYS.includes(o.result) || present.has(o.result))
    .map((o) => (o.meaning ? `\`${o.result}\` ${o.meaning}` : `\`${o.result}\``));
  const lines: string[] = [];
  lines.push('## @clerk/clerk-js 6.x');
  lines.push('');
  lines.push(
    'Fixes A and E patch clerk-js itself, and a fresh install of any @clerk/expo 3.x/4.x resolves the newest clerk-js 6.x, so the',
    'table above cannot show them. Here every served clerk-js 6.x version runs alone: its React Native bundle',
    '(`dist/clerk.native.js`) in a vm scope on a virtual clock, wired as @clerk/expo wires it, against the fake Frontend API, with',
    "React Native's navigator (no `navigator.onLine`) (test/harness/headless-*.ts, test/matrix/clerk-js-scenarios.ts).",
    '',
    '**On which @clerk/expo these run.** An older clerk-js runs where a lockfile pins it, under an @clerk/expo whose package.json',
    "`dependencies['@clerk/clerk-js']` allows it (registry metadata; the newest such @clerk/expo's range in parentheses):",
    '',
  );
  for (const r of expoAllowingRuns(store.versions))
    lines.push(`- clerk-js ${r.clerkJs}: @clerk/expo ${r.expo}${r.range ? ` (\`${r.range}\`)` : ''}`);
  lines.push('');
  lines.push(`Legend: ${[...legend, '`a → b` pristine → with the shipped clerk-js patch.'].join(' · ')}`);
  lines.push('');
  lines.push('![The clerk-js table as a heat map: clerk-js versions by scenarios, pristine and patched](session-matrix-clerk-js.svg)');
  lines.push('');
  lines.push('| scenario | fix | configuration | what the user experiences |');
  lines.push('|---|---|---|---|');
  for (const s of CLERK_JS_SCENARIOS) lines.push(`| \`${s.name}\` | ${s.fix} | ${s.configuration} | ${s.user} (expected: kept) |`);
  lines.push('');
  lines.push(`| @clerk/clerk-js | allowed by @clerk/expo | ${CLERK_JS_SCENARIOS.map((s) => `${s.title} (${s.fix})`).join(' | ')} |`);
  lines.push(`|---|---|${CLERK_JS_SCENARIOS.map(() => '---').join('|')}|`);
  const patched = new Set(
    Object.keys(store.cells)
      .map((k) => k.split(' '))
      .filter((p) => p[1] === 'patched')
      .map((p) => p[0]!),
  );
  for (const version of versions) {
    const row = CLERK_JS_SCENARIOS.map(({ name }) => {
      const pristine = store.cells[cellKey(version, 'pristine', name)]?.result ?? '?';
      return patched.has(version) ? `${pristine} → ${store.cells[cellKey(version, 'patched', name)]?.result ?? '?'}` : pristine;
    });
    lines.push(`| ${version} | ${store.versions[version]!.expo} | ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function renderClerkJsSvg(store: ClerkJsStore): string {
  return renderMatrixSvg(
    store,
    CLERK_JS_SCENARIOS.map((s) => ({ name: s.name, title: `${s.title} (${s.fix})` })),
    (v) => store.versions[v]?.expo ?? '?',
    {
      title: 'Session-loss matrix: @clerk/clerk-js version × scenario',
      subtitle: (rows, columns) =>
        `${rows} versions × ${columns} scenarios, headless (dist/clerk.native.js), pristine and patched; drawn from docs/session-matrix.json by npm run matrix`,
      rowHeader: '@clerk/clerk-js',
      versionWidth: 104,
      groupHeader: 'allowed by @clerk/expo',
      groupWidth: 150,
      groupRules: false,
      pairLabel: 'each scenario: P pristine, + with the shipped clerk-js patch',
      alwaysInLegend: ALWAYS,
    },
  );
}

/** Redraws docs/session-matrix-clerk-js.svg; true when its bytes changed. */
export function writeClerkJsSvg(store: ClerkJsStore, file = CLERK_JS_SVG): boolean {
  const svg = renderClerkJsSvg(store);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === svg) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, svg);
  return true;
}
