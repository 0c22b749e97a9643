import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startModel } from './config.ts';
import { EVENTS, possibleSteps, type Model } from './events.ts';
import { parseArgs } from './run.ts';

/** The world's rules (events.ts) never let a life reach a state no device can be in. */
describe('explorer events', () => {
  const steps = fc.array(fc.constantFrom(...EVENTS.map((e) => e.step)), { maxLength: 30 });
  const platforms = fc.constantFrom('ios' as const, 'android' as const);
  const walk = (m: Model, seq: readonly string[]) => {
    const states = [m];
    for (const step of possibleSteps(m, seq as never)) states.push(EVENTS.find((e) => e.step === step)!.next(states[states.length - 1]!));
    return states;
  };

  it('a locked keychain is never in the foreground, and only iOS locks it', () => {
    fc.assert(
      fc.property(platforms, steps, (platform, seq) => {
        for (const s of walk(startModel({ platform, navigator: 'react-native', native: null }), seq)) {
          expect(s.locked && s.app === 'foreground').toBe(false);
          if (platform === 'android') expect(s.locked).toBe(false);
        }
      }),
    );
  });

  it('one sign-out per life, and the server ends a session once', () => {
    fc.assert(
      fc.property(platforms, steps, (platform, seq) => {
        const done = possibleSteps(startModel({ platform, navigator: 'react-native', native: null }), seq);
        expect(done.filter((s) => s === 'sign-out-attempt').length).toBeLessThanOrEqual(1);
        expect(done.filter((s) => s.endsWith('-on-server')).length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('skips what cannot happen: opening an app that is open, unlocking an unlocked device', () => {
    const m = startModel({ platform: 'ios', navigator: 'react-native', native: null });
    expect(possibleSteps(m, ['open-app', 'unlock', 'background', 'open-app'])).toEqual(['background', 'open-app']);
    expect(possibleSteps(m, ['reboot-background-launch', 'open-app', 'cold-launch', 'unlock', 'open-app'])).toEqual([
      'reboot-background-launch',
      'unlock',
      'open-app',
    ]);
  });

  it('every event says when it can happen and why', () => {
    for (const e of EVENTS) {
      expect(e.condition, e.step).not.toBe('');
      expect(e.why.length, e.step).toBeGreaterThan(10);
    }
  });
});

describe('npm run explore arguments', () => {
  it('reads the options and refuses what it does not know', () => {
    expect(parseArgs(['--versions', '4.6.6,3.2.7', '--variant', 'patched', '--minutes', '5', '--seed', '7', '--jobs', '1'])).toEqual({
      versions: ['4.6.6', '3.2.7'],
      variant: 'patched',
      minutes: 5,
      seed: 7,
      jobs: 1,
      json: false,
    });
    expect(parseArgs(['--seed', '1']).runs).toBe(200);
    expect(() => parseArgs(['--runs', '5', '--minutes', '1'])).toThrow(/--runs or --minutes/);
    expect(() => parseArgs(['--variant', 'both-ways'])).toThrow(/pristine, patched or both/);
    expect(() => parseArgs(['--run', '5'])).toThrow(/unknown option --run \(known:/);
  });
});
