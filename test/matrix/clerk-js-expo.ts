import semver from 'semver';

/**
 * On which @clerk/expo a clerk-js version runs: the @clerk/expo versions whose package.json
 * `dependencies['@clerk/clerk-js']` allows it. A fresh install resolves the newest clerk-js the
 * range allows; an older one runs where a lockfile pins it.
 */
export interface ExpoAllowing {
  /** The @clerk/expo versions that allow it, as runs of consecutive versions ("3.0.1–3.1.2"), or "none". */
  expo: string;
  /** What the newest of them declares (e.g. "^6.3.0"), or "" when none does. */
  range: string;
}

/** For each clerk-js version: the @clerk/expo versions (keys of `expoRanges`, each with its declared range) that allow it. */
export function expoAllowing(
  clerkJsVersions: readonly string[],
  expoRanges: Record<string, string | undefined>,
): Record<string, ExpoAllowing> {
  const expo = Object.keys(expoRanges).sort(semver.compare);
  return Object.fromEntries(
    clerkJsVersions.map((v) => {
      const allows = expo.map((e) => expoRanges[e] !== undefined && semver.satisfies(v, expoRanges[e]!));
      const runs: string[] = [];
      for (let i = 0; i < expo.length; i++) {
        if (!allows[i] || allows[i - 1]) continue;
        let j = i;
        while (allows[j + 1]) j++;
        runs.push(i === j ? expo[i]! : `${expo[i]}–${expo[j]}`);
      }
      const newest = expo.filter((_, i) => allows[i]).at(-1);
      return [v, { expo: runs.length > 0 ? runs.join(', ') : 'none', range: newest ? expoRanges[newest]! : '' }];
    }),
  );
}

/** Consecutive clerk-js versions with the same @clerk/expo answer, as one line each (for the table's heading). */
export function expoAllowingRuns(byVersion: Record<string, ExpoAllowing>): { clerkJs: string; expo: string; range: string }[] {
  const versions = Object.keys(byVersion).sort(semver.compare);
  const out: { first: string; last: string; expo: string; range: string }[] = [];
  for (const v of versions) {
    const a = byVersion[v]!;
    const prev = out.at(-1);
    if (prev && prev.expo === a.expo && prev.range === a.range) prev.last = v;
    else out.push({ first: v, last: v, expo: a.expo, range: a.range });
  }
  return out.map((r) => ({ clerkJs: r.first === r.last ? r.first : `${r.first}–${r.last}`, expo: r.expo, range: r.range }));
}
