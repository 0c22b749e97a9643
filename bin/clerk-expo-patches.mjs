#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx so a clean clone works right after `npm ci`.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../scripts/cli.ts');
process.exitCode = await main(process.argv.slice(2));
