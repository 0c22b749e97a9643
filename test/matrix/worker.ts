import { runCell, type CellSpec } from './cell.ts';

/**
 * One matrix worker process: runs the cells given as JSON in argv[2] one after another (each on
 * a fresh device and fake Frontend API) and prints each outcome as a line `@@cell <json>` on
 * stdout (everything else the app prints is noise to the parent). A process per worker keeps
 * module state (the module-resolution hook, React's act environment, globals) apart.
 */
const cells = JSON.parse(process.argv[2] ?? '[]') as CellSpec[];
for (const cell of cells) {
  const started = Date.now();
  const outcome = await runCell(cell);
  process.stdout.write(`@@cell ${JSON.stringify({ ...outcome, ms: Date.now() - started })}\n`);
}
process.exit(0);
