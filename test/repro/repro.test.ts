import { describe, expect, it } from 'vitest';
import { parseReproArgs, renderReport, repro } from './run.ts';

/** `npm run repro`: the arguments it refuses (with what to do instead), and one real cell on the newest served version's code. */
describe('npm run repro', () => {
  it('refuses an unknown fix and names the @clerk/expo fixes', () => {
    expect(() => parseReproArgs(['Z', '4.6.6'])).toThrow(/unknown fix "Z".*F token-cache-keeps-session-on-read-error/);
    // Fix A patches @clerk/clerk-js, which the session matrix does not run.
    expect(() => parseReproArgs(['headless-background-refresh', '6.0.0'])).toThrow(/unknown fix/);
  });

  it('refuses a version outside the fix’s affected range and lists the affected versions', () => {
    expect(() => parseReproArgs(['I', '3.2.7'])).toThrow(
      /@clerk\/expo 3\.2\.7 does not have Fix I's bug.*>=4\.0\.3 <5\.0\.0.*4\.0\.4–4\.6\.6 \(7 versions\)/,
    );
    expect(() => parseReproArgs(['token-cache-keeps-session-on-read-error', '5.0.0'])).toThrow(
      /3\.0\.1–4\.6\.6 \(40 versions\): 3\.0\.1, /,
    );
    expect(() => parseReproArgs(['F', 'latest'])).toThrow(/"latest" is not a version/);
  });

  it('refuses a wrong variant, an unknown option and a scenario that is not the fix’s', () => {
    expect(() => parseReproArgs(['F', '4.6.6', '--variant', 'both-ways'])).toThrow(/--variant takes pristine, patched or both/);
    expect(() => parseReproArgs(['F', '4.6.6', '--verbose'])).toThrow(/unknown option --verbose/);
    expect(() => parseReproArgs(['F'])).toThrow(/name a fix and a version/);
    expect(() => parseReproArgs(['F', '4.6.6', '--scenario', 'revoked-at-foreground'])).toThrow(
      /Fix F has no scenario revoked-at-foreground; its scenarios: .*locked-keychain-at-launch/,
    );
    expect(parseReproArgs(['k', '4.6.6', '--variant', 'patched']).variants).toEqual(['patched']);
    expect(parseReproArgs(['K', '4.6.6']).fix.id).toBe('session-token-rejection-rereads-client');
  });

  it('reproduces Fix F on the published 4.6.6: pristine deletes the stored client JWT on a locked-keychain read and loses the user, patched keeps them', async () => {
    const args = parseReproArgs(['F', '4.6.6', '--scenario', 'locked-keychain-at-launch']);
    const report = await repro(args, () => {});
    const [pristine, patched] = report.runs;
    expect(report.runs.map((r) => [r.variant, r.verdict])).toEqual([
      ['pristine', 'lost'],
      ['patched', 'kept'],
    ]);
    const storeOps = (r: typeof pristine) => r!.events.flatMap((e) => (e.kind === 'store' ? [`${e.op} ${e.outcome}`] : []));
    expect(storeOps(pristine)).toContain('get rejects ERR_KEY_CHAIN');
    expect(storeOps(pristine)).toContain('delete removed');
    expect(storeOps(patched)).not.toContain('delete removed');
    // Pristine sends its first GET /v1/client without the stored JWT; the steps appear in the timeline in order.
    const first = pristine!.events.find((e) => e.kind === 'request' && e.path === '/v1/client');
    expect(first).toMatchObject({ client: 'no client JWT', status: 200 });
    expect(pristine!.events.filter((e) => e.kind === 'step').map((e) => e.kind === 'step' && e.step)).toEqual(['unlock', 'relaunch']);
    const text = renderReport(report);
    expect(text).toMatch(/verdict: lost \(the user expects kept\)/);
    expect(text).toMatch(/store {3}get __clerk_client_jwt → rejects ERR_KEY_CHAIN/);
  });
});
