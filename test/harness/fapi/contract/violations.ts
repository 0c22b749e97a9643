/**
 * Contract violations of Frontend API responses sent by any FakeFapi in this process (a vitest
 * worker runs one test file at a time). Kept on globalThis so the guard of ./guard.ts sees what a
 * fake started from any module instance recorded. No dependencies: the guard loads this in every
 * test file.
 */
export interface ContractViolation {
  method: string;
  path: string;
  status: number;
  message: string;
}

const KEY = Symbol.for('clerk-expo-patches.fake-fapi.contract-violations');
const store = globalThis as unknown as Record<symbol, ContractViolation[] | undefined>;

export function recordContractViolation(v: ContractViolation): void {
  (store[KEY] ??= []).push(v);
}

/** The violations recorded since the last call, and forgets them. */
export function takeContractViolations(): ContractViolation[] {
  const all = store[KEY] ?? [];
  store[KEY] = [];
  return all;
}
