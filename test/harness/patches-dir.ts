import path from 'node:path';
import { PATCHES_DIR } from '../../scripts/infra/paths.ts';

/**
 * The patches the harness and the session matrix apply: the repository's patches/, or the folder
 * HARNESS_PATCHES_DIR names (`npm run upstream` runs a new version's matrix row on the patch it
 * has staged, before anything is written to patches/).
 */
export const HARNESS_PATCHES_DIR = process.env.HARNESS_PATCHES_DIR || PATCHES_DIR;
export const HARNESS_MANIFEST = path.join(HARNESS_PATCHES_DIR, 'manifest.json');
