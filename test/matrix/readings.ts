import { ASSUMED_RULES, type AssumedRule } from '../harness/assumed-rules.ts';
import type { NativeScenario } from '../harness/expo/scenario.ts';
import type { WorldOptions } from '../harness/expo/world.ts';

/**
 * The readings of the fakes' assumed rules (test/harness/assumed-rules.ts) a matrix cell runs
 * under. A cell runs first under the default readings; the rules whose reading actually decided a
 * response or a keychain operation in that run (`assumedRulesApplied` of the server and the
 * secure store) are the ones its verdict may depend on, and the cell runs again under every
 * combination of their other readings (two keychain rules can matter only together).
 *
 * Left out: `stale-client-jwt: 401`. clerk-js answers every 401 by re-reading GET /v1/client, so
 * under that reading every app loops on it for as long as it runs (measured); a real server that
 * answered so would be seen on every device.
 */
export type Readings = Record<string, string | number>;

const EXCLUDED: Readonly<Record<string, readonly (string | number)[]>> = { 'stale-client-jwt': ['401'] };

const ruleById = (id: string): AssumedRule => {
  const rule = ASSUMED_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no assumed rule "${id}" (test/harness/assumed-rules.ts)`);
  return rule;
};

/** Every combination of the rules' readings except the all-default one, in a stable order. */
export function alternativeReadings(ruleIds: Iterable<string>): Readings[] {
  const rules = [...new Set(ruleIds)].sort().map(ruleById);
  let combos: Readings[] = [{}];
  for (const rule of rules) {
    const readings = rule.readings.filter((r) => !(EXCLUDED[rule.id] ?? []).includes(r));
    combos = combos.flatMap((c) => readings.map((r) => ({ ...c, [rule.id]: r })));
  }
  return combos.filter((c) => rules.some((rule) => c[rule.id] !== rule.default));
}

/** `token-on-ended-session=404`, the non-default readings of a combination, comma-separated. */
export const readingsLabel = (readings: Readings): string =>
  Object.entries(readings)
    .filter(([id, value]) => ruleById(id).default !== value)
    .map(([id, value]) => `${id}=${value}`)
    .join(', ');

/** The scenario and world options that put the readings in force. */
export function applyReadings(scenario: NativeScenario, readings: Readings): { scenario: NativeScenario; world: WorldOptions } {
  const fapi: NonNullable<WorldOptions['fapi']> = {};
  const secureStore: Record<string, unknown> = { ...scenario.js.secureStore };
  for (const [id, value] of Object.entries(readings)) {
    const rule = ruleById(id);
    if (rule.target === 'FakeFapiOptions') (fapi as Record<string, unknown>)[rule.option] = value;
    else secureStore[rule.option] = value;
  }
  return {
    scenario: { ...scenario, js: { ...scenario.js, secureStore: secureStore as NativeScenario['js']['secureStore'] } },
    world: { fapi },
  };
}
