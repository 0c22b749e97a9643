import { Ajv, type ValidateFunction } from 'ajv';
import { definitions, operations, type Operation } from './schemas.ts';
import { recordContractViolation, type ContractViolation } from './violations.ts';

/**
 * Checks a Frontend API response (method, path, status, JSON body) against the contract schemas of
 * ./schemas.ts. Answers the violations found, as readable lines; [] when the response conforms.
 * A path no operation matches is not checked here (the fake lists those in `unknownRoutes`), except
 * that an error body must still be Clerk's error envelope.
 */
const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addSchema({ $id: 'fapi', definitions });
const compiled = new Map<string, ValidateFunction>();

function validator(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    if (!(name in definitions)) throw new Error(`contract/schemas.ts has no definition "${name}"`);
    v = ajv.getSchema(`fapi#/definitions/${name}`)!;
    compiled.set(name, v);
  }
  return v;
}

export function operationFor(method: string, path: string): Operation | undefined {
  return operations.find((o) => o.method === method && o.path.test(path));
}

export function checkResponse(method: string, path: string, status: number, body: unknown): string[] {
  const op = operationFor(method, path);
  let schema: string | undefined;
  if (!op) {
    if (status < 400) return [];
    schema = 'ClerkErrors';
  } else {
    schema = op.responses[status];
    if (!schema) return [`${op.id}: status ${status} is not one the contract lists (${Object.keys(op.responses).join(', ')})`];
  }
  const v = validator(schema);
  if (v(body)) return [];
  return (v.errors ?? []).map(
    (e) => `${op?.id ?? 'error'} ${status} ${schema}${e.instancePath || '/'}: ${e.message}${paramsText(e.params)}`,
  );
}

function paramsText(p: Record<string, unknown>): string {
  const interesting = p.additionalProperty ?? p.missingProperty ?? p.allowedValues ?? p.allowedValue;
  return interesting === undefined ? '' : ` (${JSON.stringify(interesting)})`;
}

/** Checks one response and records each violation (for the per-file guard), returning them. */
export function checkAndRecord(method: string, path: string, status: number, body: unknown): ContractViolation[] {
  return checkResponse(method, path, status, body).map((message) => {
    const v: ContractViolation = { method, path, status, message };
    recordContractViolation(v);
    return v;
  });
}
