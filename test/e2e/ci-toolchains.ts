import { ciRow } from '../compat/rows.ts';
import { machineNpm, PM_PACKAGE, resolveVersion, toolchain, type PmKind, type Toolchain } from './toolchain.ts';

/**
 * The package managers an e2e file runs on every CI build: the oldest we support or the newest
 * the registry serves of each (test/compat/rows.ts, resolved now and installed into the cache once;
 * the newest npm is the machine's). bun's npm package may carry no binary that runs on this
 * platform: then `bunSkip` says why and its test skips; any other failure throws.
 */
export async function ciToolchains(
  which: 'oldest' | 'newest',
  kinds: readonly PmKind[],
  label: string,
): Promise<{ toolchains: Map<PmKind, Toolchain>; bunSkip?: string }> {
  const get = async (kind: PmKind) =>
    kind === 'npm' && which === 'newest' ? machineNpm() : toolchain(kind, await resolveVersion(PM_PACKAGE[kind], ciRow(kind, which).range));
  const settled = await Promise.allSettled(kinds.map(get));
  const toolchains = new Map<PmKind, Toolchain>();
  let bunSkip: string | undefined;
  for (const [i, s] of settled.entries()) {
    if (s.status === 'rejected' && kinds[i] !== 'bun') throw s.reason;
    if (s.status === 'rejected') bunSkip = (s.reason as Error).message;
    else {
      toolchains.set(s.value.kind, s.value);
      process.stderr.write(`e2e ${label}: ${s.value.kind} ${s.value.version} on Node ${s.value.nodeVersion}\n`);
    }
  }
  return { toolchains, ...(bunSkip ? { bunSkip } : {}) };
}
