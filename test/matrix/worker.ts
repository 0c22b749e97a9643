import { runCell, type CellSpec } from './cell.ts';
import { runClerkJsCell } from './clerk-js-scenarios.ts';

/**
 * One matrix worker process: runs the cells given as JSON in argv[2] one after another (each on
 * a fresh device and fake Frontend API) and prints each outcome as a line `@@cell <json>` on
 * stdout (everything else the app prints is noise to the parent). A process per worker keeps
 * module state (the module-resolution hook, React's act environment, globals) apart. argv[3]
 * names the table: `expo` (default, cell.ts) or `clerk-js` (clerk-js-scenarios.ts).
 */
const cells = JSON.parse(process.argv[2] ?? '[]') as CellSpec[];
const run = process.argv[3] === 'clerk-js' ? runClerkJsCell : runCell;
for (const cell of cells) {
  const started = Date.now();
  const outcome = await run(cell);
  process.stdout.write(`@@cell ${JSON.stringify({ ...outcome, ms: Date.now() - started })}\n`);
}
process.exit(0);
