import { exploreLane, type LaneSpec } from './explore.ts';

/**
 * One explorer lane in a process of its own (run.ts starts it): argv[2] is a LaneSpec as JSON.
 * Prints `@@progress <json>` after each fast-check run, `@@finding <json>` for each finding and
 * `@@done <json>` (the LaneResult without findings) at the end; everything else the app prints is
 * noise to the parent. Retires (done with `retired: true`) when the heap passes 40% of its limit:
 * the parent starts a successor that goes on from the next seed.
 */
const spec = JSON.parse(process.argv[2]!) as LaneSpec;
const out = (tag: string, value: unknown) => process.stdout.write(`@@${tag} ${JSON.stringify(value)}\n`);
try {
  const result = await exploreLane(
    { retireAtHeapShare: 0.4, ...spec },
    { progress: (p) => out('progress', p), finding: (f) => out('finding', f) },
  );
  const { findings: _findings, ...rest } = result;
  out('done', rest);
  process.exit(0);
} catch (err) {
  out('error', { message: (err as Error).stack ?? String(err) });
  process.exit(2);
}
