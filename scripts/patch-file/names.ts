/**
 * Rewrites the file paths of a patch-package patch (a/node_modules/<name>/<file>) for another
 * consumer: package-relative (a/<file>) for pnpm, yarn berry and bun, or a nested node_modules
 * path for patch-package on a nested copy. Only header lines move; hunk bodies are never
 * touched (a bundle line may well contain "a/node_modules/").
 */
export function rebasePatch(text: string, from: string, to: string): string {
  const lines = text.split('\n');
  let oldLeft = 0;
  let newLeft = 0;
  const fixPath = (p: string, side: 'a' | 'b'): string => {
    const lead = `${side}/${from}`;
    if (!p.startsWith(lead)) throw new Error(`patch path "${p}" does not start with "${lead}"`);
    return `${side}/${to}${p.slice(lead.length)}`;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (oldLeft > 0 || newLeft > 0) {
      // Inside a hunk: count its lines; "\ No newline" lines count for neither side.
      if (line.startsWith('\\')) continue;
      if (line.startsWith('-')) oldLeft--;
      else if (line.startsWith('+')) newLeft--;
      else {
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      continue;
    }
    const git = /^diff --git (\S+) (\S+)$/.exec(line);
    if (git) lines[i] = `diff --git ${fixPath(git[1]!, 'a')} ${fixPath(git[2]!, 'b')}`;
    else if (line.startsWith('--- ') && line !== '--- /dev/null') lines[i] = `--- ${fixPath(line.slice(4), 'a')}`;
    else if (line.startsWith('+++ ') && line !== '+++ /dev/null') lines[i] = `+++ ${fixPath(line.slice(4), 'b')}`;
  }
  return lines.join('\n');
}

/** a/node_modules/@clerk/clerk-js/dist/clerk.js → a/dist/clerk.js (pnpm, yarn berry, bun). */
export const toPackageRelative = (text: string, name: string): string => rebasePatch(text, `node_modules/${name}/`, '');

/** The node_modules path of a (possibly nested) copy: [@clerk/expo, @clerk/clerk-js] → node_modules/@clerk/expo/node_modules/@clerk/clerk-js. */
export const nodeModulesPath = (chain: readonly string[]): string => `node_modules/${chain.join('/node_modules/')}`;

/** For patch-package on a nested copy: a/node_modules/<name>/ → a/node_modules/<outer>/node_modules/<name>/. */
export const toNested = (text: string, name: string, chain: readonly string[]): string =>
  chain.length <= 1 ? text : rebasePatch(text, `node_modules/${name}/`, `${nodeModulesPath(chain)}/`);

/** The files a patch names, as written in its `diff --git` lines (b side). */
export function patchedPaths(text: string): string[] {
  return [...text.matchAll(/^diff --git \S+ b\/(\S+)$/gm)].map((m) => m[1]!);
}

/** patch-package's file name for a copy: @clerk+clerk-js+6.7.1.patch, nested @clerk+expo++@clerk+clerk-js+6.9.0.patch. */
export const patchPackageFileName = (chain: readonly string[], version: string): string =>
  `${chain.map((n) => n.replace('/', '+')).join('++')}+${version}.patch`;

/** The shipped patch's file name for a package version (top-level copy): @clerk+clerk-js+6.7.1.patch. */
export const patchFileName = (name: string, version: string): string => patchPackageFileName([name], version);

/** `pnpm patch-commit`'s file name: patches/@clerk__clerk-js@6.7.1.patch. */
export const pnpmFileName = (name: string, version: string): string => `${name.replace('/', '__')}@${version}.patch`;

/** `bun patch --commit`'s file name: patches/@clerk%2Fclerk-js@6.7.1.patch. */
export const bunFileName = (name: string, version: string): string => `${name.replace('/', '%2F')}@${version}.patch`;

/** `yarn patch-commit`'s naming, without the content hash: .yarn/patches/@clerk-clerk-js-npm-6.7.1.patch. */
export const yarnFileName = (name: string, version: string): string => `${name.replace('/', '-')}-npm-${version}.patch`;

/** Yarn berry's resolution for one locator: key and patch: descriptor. */
export function yarnResolution(name: string, version: string, file: string): { key: string; value: string } {
  return { key: `${name}@npm:${version}`, value: `patch:${name}@npm%3A${version}#~/${file}` };
}

/** What patch-package names and where it applies, from a patch-package file name (null when it is not one). */
export function parsePatchPackageFileName(file: string): { chain: string[]; version: string } | null {
  const m = /^(.*)\+(\d+\.\d+\.\d+[^+]*?)(\+\d+(\+[^+]+)?)?(\.dev)?\.patch$/.exec(file);
  if (!m) return null;
  const chain = m[1]!.split('++').map((part) => {
    const bits = part.split('+');
    return bits.length === 2 ? `${bits[0]}/${bits[1]}` : bits[0]!;
  });
  return { chain, version: m[2]! };
}
