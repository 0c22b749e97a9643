import { parentPort } from 'node:worker_threads';
import { runJob, type JobName } from './jobs.ts';

/** Worker thread entry: runs one job per message and posts the result (or the error) back. */
parentPort!.on('message', async ({ name, input }: { name: JobName; input: never }) => {
  try {
    parentPort!.postMessage({ ok: true, output: await runJob(name, input) });
  } catch (err) {
    const e = err as Error & { fixId?: string; file?: string; expected?: string };
    parentPort!.postMessage({
      ok: false,
      error: { name: e.name, message: e.message, stack: e.stack, fixId: e.fixId, file: e.file, expected: e.expected },
    });
  }
});
