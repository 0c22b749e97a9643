import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { packThisRepository } from './helpers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of this repository's `npm pack` output, installed into every e2e app. */
    cepTarball: string;
  }
}

/** Packs the repository once for the whole e2e run; every app installs this tarball. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'cep-e2e-pack-'));
  const packed = await packThisRepository(dest);
  process.stderr.write(
    `e2e: packed ${path.basename(packed.tarball)}: ${(packed.size / 1e6).toFixed(2)} MB, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${packed.entryCount} files\n`,
  );
  project.provide('cepTarball', packed.tarball);
  return async () => {
    if (process.env.CLERK_EXPO_PATCHES_KEEP_E2E !== '1') await fs.promises.rm(dest, { recursive: true, force: true });
  };
}
