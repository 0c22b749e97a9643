import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Vitest runs the files it knows to be longest first, from the durations of the last run it
// cached. A clean clone has none, and the order falls back to file size, which put the longest
// file (a small one that runs many matrix cells) last, alone on one core. The cache lives with
// the registry tarballs outside the clone (CLERK_EXPO_PATCHES_CACHE), so every checkout on a
// machine, CI's clean clones included, starts from the last run's durations.
const cacheRoot = process.env.CLERK_EXPO_PATCHES_CACHE || path.join(os.homedir(), '.cache', 'clerk-expo-patches');

const shared = {
  pool: 'forks' as const,
  reporters: ['default'],
};

export default defineConfig({
  cacheDir: path.join(cacheRoot, 'vite'),
  test: {
    // One test file per core. Vitest's default leaves a core to its own process, which does
    // little here: on a 2-core runner that default ran every file one after another.
    maxWorkers: os.availableParallelism(),
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**'],
          // Fails a test file whose fake Frontend API responses broke Clerk's FAPI contract.
          setupFiles: ['test/harness/fapi/contract/guard.ts'],
          // Integration tests fetch and parse real registry tarballs (1.5 MB bundles) and run the
          // full generate/verify. Timeouts only guard against a hang: how long a run takes depends
          // on the machine and its load, so no test may lean on a tight one.
          testTimeout: 900_000,
          // beforeAll hooks install whole dependency sets from the registry on a cold cache.
          hookTimeout: 1_800_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Real consumer installs with npm, pnpm, yarn berry, yarn classic and bun (`npm run test:e2e` alone).
        // Runs after the unit project: installs running beside the CPU-heavy unit workers starve them
        // past vitest's 60 s worker RPC timeout.
        test: {
          ...shared,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // `npm pack` of this repository, once: every e2e app installs that tarball.
          globalSetup: ['test/e2e/global-setup.ts'],
          // Real installs from the registry: hang guards only, wide enough for a loaded machine.
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          // A file's apps (one per package manager) install at once, at most three per file: installs
          // wait on disk and network as much as on a core.
          maxConcurrency: 3,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
