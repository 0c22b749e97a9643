import { cellFacts } from './cell-facts.ts';
import type { CellSpec } from './cell.ts';

/**
 * Runs the cells given as a JSON array (argv[2]) one after another in this process and prints
 * one JSON line per cell: `{ spec, facts }`. The history test runs it in fresh processes.
 */
const cells = JSON.parse(process.argv[2] ?? '[]') as CellSpec[];
for (const spec of cells) process.stdout.write(`@@facts ${JSON.stringify({ spec, facts: await cellFacts(spec) })}\n`);
process.exit(0);
