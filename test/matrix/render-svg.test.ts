import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bridgeFor } from '../harness/expo/native-module.ts';
import { OUTCOMES } from './outcomes.ts';
import { MATRIX_SVG } from './render.ts';
import { renderMatrixSvg, type SvgColumn, type SvgData } from './render-svg.ts';
import { matrixColumns } from './scenarios.ts';
import { readStore } from './store.ts';

/** The heat map of the session-loss matrix (docs/session-matrix.svg), drawn from the matrix data by a pure function. */
const COLUMNS: SvgColumn[] = [
  { name: 'js-reload', title: 'JS reload (D)' },
  { name: 'sign-out', title: 'sign-out <native> & "JS"' },
];
const DEPS = { clerkJs: '6.40.0', clerkReact: '6.18.0', react: '19.3.1' };
/** 3.0.1 and 3.2.7 have patched cells; 3.5.2 has none (no patch ships); one 3.2.7 cell is missing (not run). */
const DATA: SvgData = {
  versions: { '3.10.0': DEPS, '3.2.7': DEPS, '3.0.1': DEPS },
  cells: {
    '3.0.1 pristine js-reload': { result: '—' },
    '3.0.1 patched js-reload': { result: '—' },
    '3.0.1 pristine sign-out': { result: 'signed out' },
    '3.0.1 patched sign-out': { result: 'error' },
    '3.2.7 pristine js-reload': { result: 'lost' },
    '3.2.7 patched js-reload': { result: 'kept' },
    '3.2.7 pristine sign-out': { result: 'stuck' },
    '3.10.0 pristine js-reload': { result: 'frozen' },
    '3.10.0 pristine sign-out': { result: 'not modelled' },
  },
};
const bridge = (v: string) => (v === '3.0.1' ? 'none' : 'session');

/** Every cell rectangle: its key, result and fill. */
function cells(svg: string): { key: string; result: string; fill: string }[] {
  return [...svg.matchAll(/<rect [^>]*fill="([^"]+)"[^>]* data-cell="([^"]+)" data-result="([^"]+)"/g)].map((m) => ({
    fill: m[1]!,
    key: m[2]!,
    result: m[3]!,
  }));
}

describe('renderMatrixSvg', () => {
  const svg = renderMatrixSvg(DATA, COLUMNS, bridge);

  it('is byte-stable: the same data in any key order gives the same bytes', () => {
    const shuffled: SvgData = {
      versions: Object.fromEntries(Object.entries(DATA.versions).reverse()),
      cells: Object.fromEntries(Object.entries(DATA.cells).reverse()),
    };
    expect(renderMatrixSvg(shuffled, COLUMNS, bridge)).toBe(svg);
    expect(renderMatrixSvg(DATA, COLUMNS, bridge)).toBe(svg);
    expect(svg).not.toMatch(/\d\.\d{3,}/); // integer coordinates, no float noise
  });

  it('draws every cell once: version × scenario × {pristine, patched}, in semver order, missing cells as such', () => {
    const drawn = cells(svg);
    expect(drawn.map((c) => c.key)).toEqual(
      ['3.0.1', '3.2.7', '3.10.0'].flatMap((v) => COLUMNS.flatMap((c) => [`${v} pristine ${c.name}`, `${v} patched ${c.name}`])),
    );
    const result = Object.fromEntries(drawn.map((c) => [c.key, c.result]));
    for (const [key, cell] of Object.entries(DATA.cells)) expect(result[key]).toBe(cell.result);
    expect(result['3.2.7 patched sign-out']).toBe('not run');
    expect(result['3.10.0 patched js-reload']).toBe('no patch ships');
    expect(result['3.10.0 patched sign-out']).toBe('no patch ships');
  });

  it('one colour per outcome, as outcomes.ts lists them; an unlisted outcome gets a colour of its own and a legend line', () => {
    const drawn = cells(svg);
    const colour = new Map(OUTCOMES.map((o) => [o.result, o.colour]));
    for (const c of drawn.filter((c) => colour.has(c.result))) expect(c.fill, c.key).toBe(colour.get(c.result));
    expect(new Set(OUTCOMES.map((o) => o.colour)).size).toBe(OUTCOMES.length);
    const frozen = drawn.find((c) => c.result === 'frozen')!.fill;
    expect([...colour.values()]).not.toContain(frozen);
    expect(svg).toMatch(new RegExp(`<rect [^>]*fill="${frozen}"/>\\n<text [^>]*>frozen</text>`));
    // Every outcome listed as always in the legend is there with its colour, and error because a cell has it.
    const present = new Set(Object.values(DATA.cells).map((c) => c.result));
    for (const o of OUTCOMES.filter((o) => o.alwaysInLegend || present.has(o.result)))
      expect(svg).toMatch(new RegExp(`<rect [^>]*fill="${o.colour}"/>\\n<text [^>]*>${o.result.replace(/[()]/g, '\\$&')}`));
  });

  it('labels rows with version and bridge and columns with their titles, escaped', () => {
    for (const v of ['3.0.1', '3.2.7', '3.10.0']) expect(svg).toMatch(new RegExp(`<text [^>]*>${v.replace(/\./g, '\\.')}</text>`));
    expect(svg).toMatch(/<text [^>]*>none<\/text>/);
    expect(svg).toMatch(/<text [^>]*>session<\/text>/);
    expect(svg).toContain('>JS reload (D)</text>');
    expect(svg).toContain('>sign-out &lt;native&gt; &amp; &quot;JS&quot;</text>');
    // A rule between bridge generations (none → session): exactly one.
    expect(svg.match(/<line /g)).toHaveLength(1);
  });

  it('is well-formed: every element closed, in order', () => {
    const stack: string[] = [];
    for (const m of svg.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else if (!m[3]) stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });
});

it('docs/session-matrix.svg is the picture of docs/session-matrix.json (else: npm run matrix -- --render)', () => {
  const store = readStore();
  const svg = renderMatrixSvg(store, matrixColumns(), bridgeFor);
  expect(cells(svg)).toHaveLength(Object.keys(store.versions).length * matrixColumns().length * 2);
  expect(fs.readFileSync(MATRIX_SVG, 'utf8') === svg, 'docs/session-matrix.svg is stale: run npm run matrix -- --render').toBe(true);
});
