import { expect, it } from 'vitest';
import { renderMatrix } from './render.ts';
import { matrixColumns } from './scenarios.ts';
import type { MatrixStore } from './store.ts';

/** The Markdown table: columns as given (every fixtures/matrix/ scenario by default), any outcome name shown and explained. */
const DEPS = { clerkJs: '6.40.0', clerkReact: '6.18.0', react: '19.3.1' };
const columns = matrixColumns(['js-reload-signed-in', 'js-only-relaunch']);

it('a scenario without cells yet is a column of `?`, pristine → patched where the version has a patch', () => {
  const store: MatrixStore = {
    versions: { '3.0.1': DEPS, '3.2.7': DEPS },
    cells: {
      '3.0.1 pristine js-reload-signed-in': { result: '—' },
      '3.2.7 pristine js-reload-signed-in': { result: 'lost' },
      '3.2.7 patched js-reload-signed-in': { result: 'kept' },
    },
  };
  const md = renderMatrix(store, columns);
  expect(md).toContain(`| @clerk/expo | bridge | clerk-js | ${columns.map((c) => c.title).join(' | ')} |`);
  expect(md).toContain('| 3.0.1 | none | 6.40.0 | — | ? |');
  expect(md).toContain('| 3.2.7 | session | 6.40.0 | lost → kept | ? → ? |');
});

it('the legend names every listed outcome, `error` only when a cell has it, and an unlisted one (`frozen`) as is', () => {
  const plain = renderMatrix({ versions: { '3.2.7': DEPS }, cells: { '3.2.7 pristine js-only-relaunch': { result: 'kept' } } }, columns);
  expect(plain).toMatch(/^Legend: `kept` still signed in · .*`not modelled` · `a → b` pristine → with the shipped patch\.$/m);
  expect(plain).not.toContain('`error`');
  expect(plain).not.toContain('`frozen`');
  const odd = renderMatrix(
    {
      versions: { '3.2.7': DEPS },
      cells: {
        '3.2.7 pristine js-only-relaunch': { result: 'error' },
        '3.2.7 pristine js-reload-signed-in': { result: 'frozen' as never },
      },
    },
    columns,
  );
  expect(odd).toMatch(/`not modelled` · `error` the run failed .* · `frozen` · `a → b`/);
  expect(odd).toContain('| 3.2.7 | session | 6.40.0 | frozen | error |');
});
