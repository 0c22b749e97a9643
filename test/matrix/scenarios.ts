import fs from 'node:fs';
import path from 'node:path';
import type { NativeScenario } from '../harness/expo/scenario.ts';

/** The matrix scenarios: fixtures/matrix/<name>.json, one file each, with the sentence a user would say. */
export const MATRIX_FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/matrix');

export function loadMatrixScenario(name: string): NativeScenario {
  // A path to a scenario file in the same format (e.g. an explorer repro, fixtures/explorer/<id>.json).
  const file = name.endsWith('.json') ? path.resolve(name) : path.join(MATRIX_FIXTURES, `${name}.json`);
  if (!fs.existsSync(file)) throw new Error(`no matrix scenario "${name}" (${file}); known: ${matrixScenarioNames().join(', ')}`);
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Omit<NativeScenario, 'name'>;
  return { name, ...raw };
}

/** Column order: native scenarios first (by fix letter), then the JS-only ones, then by name. */
export function matrixScenarioNames(): string[] {
  const names = fs
    .readdirSync(MATRIX_FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));
  const key = (n: string) => {
    const s = loadMatrixScenario(n);
    return `${s.native ? 0 : 1}${s.fix ? `0${s.fix}` : '1'}${n}`;
  };
  return names.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** A column of the matrix: a scenario's name and the title tables and the picture show ("JS reload (D)"). */
export interface MatrixColumn {
  name: string;
  title: string;
}

/** The matrix's columns: every scenario of fixtures/matrix/, in column order. */
export function matrixColumns(names: readonly string[] = matrixScenarioNames()): MatrixColumn[] {
  return names.map((name) => {
    const s = loadMatrixScenario(name);
    return { name, title: `${s.title ?? name}${s.fix ? ` (${s.fix})` : ''}` };
  });
}
