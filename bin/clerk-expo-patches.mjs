#!/usr/bin/env node
// Entry point. The published package runs its compiled JavaScript (dist/, built at pack time);
// a clone of the repository runs the TypeScript sources through tsx, so it works right after `npm ci`.
import { existsSync } from 'node:fs';

const sources = new URL('../scripts/cli.ts', import.meta.url);
let main;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import(new URL('../dist/cli.js', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
