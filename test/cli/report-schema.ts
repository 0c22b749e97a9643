/** schema/report.schema.json, compiled once with Ajv: the contract of verify --json and check --json. */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from '../../scripts/infra/paths.ts';

const require = createRequire(import.meta.url);
const Ajv = require('ajv') as new (opts: object) => {
  compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] | null };
};

export const SCHEMA_FILE = path.join(ROOT, 'schema', 'report.schema.json');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')));

/** Undefined when the value fits the schema; otherwise Ajv's errors as text. */
export function schemaErrors(value: unknown): string | undefined {
  return validate(value) ? undefined : JSON.stringify(validate.errors, null, 2);
}
