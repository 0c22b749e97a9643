import fs from 'node:fs';
import { expect, it } from 'vitest';
import { CLERK_JS_SCENARIOS } from './clerk-js-scenarios.ts';
import { CLERK_JS_SVG, renderClerkJsSvg, renderClerkJsTable } from './render-clerk-js.ts';
import { MATRIX_DOC } from './render.ts';
import { readStore, type ClerkJsStore } from './store.ts';

/** The clerk-js table (docs/session-matrix.md, after the @clerk/expo one) and its picture, drawn from the `clerkJs` part of the store. */
const [A, E] = CLERK_JS_SCENARIOS.map((s) => s.name) as [string, string];
const DATA: ClerkJsStore = {
  versions: {
    '6.10.0': { expo: '3.0.1–3.2.9', range: '^6.10.0' },
    '6.0.0': { expo: '3.0.1', range: '^6.0.0' },
    '6.1.0': { expo: '3.0.1', range: '^6.0.0' },
  },
  cells: {
    [`6.0.0 pristine ${A}`]: { result: 'lost' },
    [`6.0.0 patched ${A}`]: { result: 'kept' },
    [`6.0.0 pristine ${E}`]: { result: 'kept' },
    [`6.1.0 pristine ${E}`]: { result: 'no token' },
    [`6.10.0 pristine ${A}`]: { result: 'kept' },
    [`6.10.0 pristine ${E}`]: { result: 'kept' },
  },
};

it('one row per clerk-js version in semver order: the @clerk/expo that allow it, then pristine → patched where a patch ships', () => {
  const md = renderClerkJsTable(DATA);
  const rows = md.split('\n').filter((l) => /^\| 6\./.test(l));
  expect(rows).toEqual([
    '| 6.0.0 | 3.0.1 | lost → kept | kept → ? |',
    '| 6.1.0 | 3.0.1 | ? | no token |',
    '| 6.10.0 | 3.0.1–3.2.9 | kept | kept |',
  ]);
});

it('says in its heading on which @clerk/expo the versions run, consecutive versions grouped', () => {
  const md = renderClerkJsTable(DATA);
  expect(md).toContain('- clerk-js 6.0.0–6.1.0: @clerk/expo 3.0.1 (`^6.0.0`)');
  expect(md).toContain('- clerk-js 6.10.0: @clerk/expo 3.0.1–3.2.9 (`^6.10.0`)');
  expect(md).toMatch(/^Legend: `kept` still signed in · `lost` .* · `no token` still signed in, but getToken\(\) gives no token/m);
});

it('the picture is byte-stable and draws each cell once, a missing one as such', () => {
  const svg = renderClerkJsSvg(DATA);
  const reversed: ClerkJsStore = {
    versions: Object.fromEntries(Object.entries(DATA.versions).reverse()),
    cells: Object.fromEntries(Object.entries(DATA.cells).reverse()),
  };
  expect(renderClerkJsSvg(reversed)).toBe(svg);
  const drawn = [...svg.matchAll(/data-cell="([^"]+)" data-result="([^"]+)"/g)].map((m) => `${m[1]}: ${m[2]}`);
  expect(drawn).toHaveLength(3 * 2 * 2);
  expect(drawn).toContain(`6.0.0 patched ${E}: not run`);
  expect(drawn).toContain(`6.1.0 patched ${A}: no patch ships`);
  expect(svg).toContain('>3.0.1–3.2.9</text>');
  expect(svg).not.toContain('<line ');
});

it('docs/session-matrix-clerk-js.svg is the picture of docs/session-matrix.json (else: npm run matrix -- --render)', () => {
  const store = readStore();
  expect(store.clerkJs, 'docs/session-matrix.json has no clerkJs table: run npm run matrix -- --clerk-js').toBeDefined();
  expect(fs.readFileSync(CLERK_JS_SVG, 'utf8') === renderClerkJsSvg(store.clerkJs!), 'stale: run npm run matrix -- --render').toBe(true);
});

it('docs/session-matrix.md shows the committed clerk-js table (else: npm run matrix -- --render)', () => {
  const store = readStore();
  const doc = fs.readFileSync(MATRIX_DOC, 'utf8');
  expect(doc.includes(`\n${renderClerkJsTable(store.clerkJs!)}\n<!-- matrix:end -->`), 'stale: run npm run matrix -- --render').toBe(true);
});
