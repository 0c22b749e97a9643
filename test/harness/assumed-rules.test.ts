import { describe, expect, it } from 'vitest';
import { ASSUMED_RULES } from './assumed-rules.ts';
import { InMemorySecureStore } from './expo/secure-store.ts';
import { FakeFapi } from './fapi/server.ts';

/** Every reading ASSUMED_RULES lists is one the fakes accept, and each default is the fakes' default. */
describe('ASSUMED_RULES', () => {
  for (const rule of ASSUMED_RULES) {
    it(`${rule.id}: ${rule.target}.${rule.option} takes ${rule.readings.join(' | ')}, default ${rule.default}`, async () => {
      expect(rule.readings).toContain(rule.default);
      const read = async (options: Record<string, unknown>): Promise<unknown> => {
        if (rule.target === 'SecureStoreFailures')
          return (new InMemorySecureStore(options) as unknown as Record<string, unknown>)[rule.option];
        const fapi = await FakeFapi.start(options);
        await fapi.close();
        return (fapi as unknown as Record<string, unknown>)[rule.option];
      };
      for (const reading of rule.readings) expect(await read({ [rule.option]: reading })).toBe(reading);
      expect(await read({})).toBe(rule.default);
    });
  }
});
