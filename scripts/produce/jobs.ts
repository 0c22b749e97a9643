import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { config } from '../infra/config.ts';
import { ShapeError, ToolError } from '../core/errors.ts';
import type { KnownVersion, ManifestEntry } from '../patch-file/manifest.ts';
import type { VersionPatch } from './make-patch.ts';
import type { VerifiedPackage } from './verify-version.ts';

/**
 * Per-version work (fetch, parse, patch, prove) spread over worker threads: parsing 1.5 MB
 * bundles is CPU-bound, so one thread per core. Results come back in input order; progress is
 * reported as each finishes. CLERK_EXPO_PATCHES_JOBS=1 runs everything in this thread.
 */
export interface Jobs {
  makeVersionPatch: { input: { name: string; version: string; integrity: string; fixIds: string[] }; output: VersionPatch | undefined };
  verifyVersion: {
    input: {
      name: string;
      version: string;
      integrity: string;
      entry: ManifestEntry | undefined;
      shipped: boolean;
      patchesDir: string;
      fixIds: string[];
    };
    output: VerifiedPackage;
  };
  knownVersion: {
    input: { name: string; version: string; integrity: string; entry: ManifestEntry | undefined; fixIds: string[] };
    output: KnownVersion | undefined;
  };
}
export type JobName = keyof Jobs;

/** Runs a job in this thread (the worker calls the same function). */
export async function runJob<N extends JobName>(name: N, input: Jobs[N]['input']): Promise<Jobs[N]['output']> {
  // The job runner is the one place below the commands that knows the list of fixes: jobs name
  // fixes by id, so a worker thread can rebuild the same set.
  const { fixesById } = await import('../fixes/index.ts');
  const fixes = fixesById(input.fixIds);
  if (name === 'makeVersionPatch') {
    const i = input as Jobs['makeVersionPatch']['input'];
    const { makeVersionPatch } = await import('./make-patch.ts');
    return (await makeVersionPatch(i.name, i.version, i.integrity, fixes, { memo: true })) as Jobs[N]['output'];
  }
  if (name === 'knownVersion') {
    const i = input as Jobs['knownVersion']['input'];
    const { knownVersion } = await import('./known-version.ts');
    return (await knownVersion(i.name, i.version, i.integrity, fixes, i.entry)) as Jobs[N]['output'];
  }
  const i = input as Jobs['verifyVersion']['input'];
  const { verifyEntry, classify } = await import('./verify-version.ts');
  return (
    i.entry
      ? await verifyEntry(i.entry, i.integrity, i.shipped, i.patchesDir, fixes)
      : await classify(i.name, i.version, i.integrity, fixes)
  ) as Jobs[N]['output'];
}

export function jobCount(items: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(items, config().jobs ?? Math.min(cores, 4)));
}

export async function runJobs<N extends JobName>(
  name: N,
  inputs: Jobs[N]['input'][],
  onDone: (input: Jobs[N]['input'], output: Jobs[N]['output'], done: number) => void,
  inline?: (input: Jobs[N]['input']) => Promise<Jobs[N]['output']>,
): Promise<Jobs[N]['output'][]> {
  const results: Jobs[N]['output'][] = new Array(inputs.length);
  let done = 0;
  const threads = inline ? 1 : jobCount(inputs.length);
  if (threads === 1) {
    for (const [k, input] of inputs.entries()) {
      results[k] = await (inline ? inline(input) : runJob(name, input));
      onDone(input, results[k]!, ++done);
    }
    return results;
  }
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, async () => {
        const w = spawn();
        workers.push(w);
        while (next < inputs.length) {
          const k = next++;
          results[k] = await call(w, name, inputs[k]!);
          onDone(inputs[k]!, results[k]!, ++done);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

function spawn(): Worker {
  // Workers need the TypeScript loader too: the .mjs entry registers tsx, then loads worker.ts.
  return new Worker(new URL('./worker-entry.mjs', import.meta.url));
}

interface Reply {
  ok: boolean;
  output?: unknown;
  error?: { name: string; message: string; stack?: string; fixId?: string; file?: string; expected?: string };
}

function call<N extends JobName>(w: Worker, name: N, input: Jobs[N]['input']): Promise<Jobs[N]['output']> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    w.once('error', onError);
    w.once('message', (reply: Reply) => {
      w.off('error', onError);
      if (reply.ok) return resolve(reply.output as Jobs[N]['output']);
      const e = reply.error!;
      if (e.name === 'ShapeError') return reject(new ShapeError(e.fixId!, e.file!, e.expected!));
      if (e.name === 'ToolError') return reject(new ToolError(e.message));
      const err = new Error(e.message);
      err.stack = e.stack;
      reject(err);
    });
    w.postMessage({ name, input });
  });
}
