import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../infra/paths.ts';
import { WORKSPACE_FILE } from '../config-doc.ts';
import { OWNERSHIP_FILE } from '../ownership.ts';
import type { Plan } from './plan.ts';

/** Patch files first, then pnpm-workspace.yaml and package.json, then the record; stale files are removed last. */
export function applyPlan(appDir: string, plan: Plan, pjFile: string, pjText: string | undefined): void {
  for (const w of plan.writes) writeFileAtomic(path.join(appDir, w.file), w.text);
  if (plan.workspaceText !== undefined) writeFileAtomic(path.join(appDir, WORKSPACE_FILE), plan.workspaceText);
  if (pjText !== undefined) writeFileAtomic(pjFile, pjText);
  const recordFile = path.join(appDir, OWNERSHIP_FILE);
  if (plan.recordText !== undefined) writeFileAtomic(recordFile, plan.recordText);
  else fs.rmSync(recordFile, { force: true });
  for (const r of plan.removes) fs.rmSync(path.join(appDir, r.file), { force: true });
}
