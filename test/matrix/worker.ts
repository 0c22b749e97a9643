import readline from 'node:readline';
import v8 from 'node:v8';
import { runCell, type CellSpec } from './cell.ts';
import { runClerkJsCell } from './clerk-js-scenarios.ts';

/**
 * One matrix worker process, kept for many work items of one table: argv[2] names the table,
 * `expo` (cell.ts) or `clerk-js` (clerk-js-scenarios.ts). Each line on stdin is an item, a JSON
 * array of cells; the worker runs them one after another (each in a world of its own: server,
 * clock, network, a fresh device) and prints each outcome as a line `@@cell <json>`, then
 * `@@item` when the item is done. Everything else the app prints is noise to the parent. stdin
 * closing ends the process. Every version loads its own bundles, and not all of a version's
 * memory is given back: past 40% of the heap limit the worker says `@@item retire` instead, and
 * exits; the parent starts a fresh one for the next item. A process per lane (not per item) saves a Node and loader start per
 * (version, variant); a process per table keeps the headless clerk-js globals away from devices.
 */
const run = process.argv[2] === 'clerk-js' ? runClerkJsCell : runCell;
for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  for (const cell of JSON.parse(line) as CellSpec[]) {
    const started = Date.now();
    const outcome = await run(cell);
    process.stdout.write(`@@cell ${JSON.stringify({ ...outcome, ms: Date.now() - started })}\n`);
  }
  const { used_heap_size: used, heap_size_limit: limit } = v8.getHeapStatistics();
  if (used > 0.4 * limit) {
    process.stdout.write('@@item retire\n');
    break;
  }
  process.stdout.write('@@item\n');
}
process.exit(0);
