import { afterAll } from 'vitest';
import { takeContractViolations } from './violations.ts';

/**
 * vitest setup file (unit project): after each test file, fails it if any FakeFapi response it
 * caused broke the Frontend API contract (test/harness/fapi/contract/schemas.ts). So every
 * response of every test is checked, whichever harness started the fake.
 */
afterAll(() => {
  const found = takeContractViolations();
  if (found.length === 0) return;
  const lines = found.slice(0, 20).map((v) => `  ${v.method} ${v.path} → ${v.status}: ${v.message}`);
  throw new Error(
    `The fake Frontend API sent ${found.length} response(s) that break Clerk's FAPI contract:\n${lines.join('\n')}\n` +
      'Fix fixtures/fapi/*.json or test/harness/fapi/server.ts (the contract is test/harness/fapi/contract/schemas.ts).',
  );
});
