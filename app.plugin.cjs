'use strict';
/**
 * Expo config plugin: `"plugins": ["clerk-expo-patches", "@clerk/expo"]` in app.json.
 *
 * At every config evaluation (`expo prebuild`, locally or on EAS, and `expo config` / `expo start`)
 * it reads the installed @clerk/expo and @clerk/clerk-js copies the app resolves, and when a patch
 * shipped in this package exists for an installed version but the installed files are not its
 * output (the install skipped the postinstall: `--ignore-scripts`, `ignore-scripts=true`, a restored
 * node_modules cache), it throws a ConfigError naming the fixes and the command to run. Plugin
 * functions run before any mod, so prebuild stops before @clerk/expo's plugin copies its Swift
 * bridge into ios/<App>/, and leaves an existing ios/ untouched.
 *
 * Plain CommonJS with Node built-ins only: one manifest read and a sha256 per patched file, memoised
 * per process (Expo evaluates plugins several times per command). Silent when all is well.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

// The repository keeps the manifest in patches/; the published package in dist/patches/ (written at pack time).
const MANIFEST_CANDIDATES = [path.join(__dirname, 'patches', 'manifest.json'), path.join(__dirname, 'dist', 'patches', 'manifest.json')];
const MANIFEST = MANIFEST_CANDIDATES.find((f) => fs.existsSync(f)) || MANIFEST_CANDIDATES[0];
const OWNERSHIP_FILE = '.clerk-expo-patches.json';
const LOCKFILES = [
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
];

let manifestMemo;
const hashMemo = new Map();

function readManifest(file = MANIFEST) {
  if (manifestMemo && manifestMemo.file === file) return manifestMemo.manifest;
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw configError(
      `clerk-expo-patches: cannot read its manifest ${file} (${err.message}).\nNext: reinstall clerk-expo-patches (\`npm i -D clerk-expo-patches\`), then \`npx clerk-expo-patches check\`.`,
    );
  }
  if (manifest.schema !== 1 || !Array.isArray(manifest.patches))
    throw configError(`clerk-expo-patches: ${file} is not a schema-1 manifest.\nNext: reinstall clerk-expo-patches.`);
  manifestMemo = { file, manifest };
  return manifest;
}

/** sha256 of a file, memoised by path, size and mtime. Undefined when the file is missing. */
function sha256(file) {
  let st;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  const key = `${file}\0${st.size}\0${st.mtimeMs}`;
  let h = hashMemo.get(key);
  if (h === undefined) {
    h = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    hashMemo.set(key, h);
  }
  return h;
}

/** Node's own lookup (node_modules of `from` and every parent), without an exports map in the way. */
function resolvePackageDir(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', ...name.split('/'));
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The copies the app loads: @clerk/expo from the app, @clerk/clerk-js from @clerk/expo and from the app. */
function installedCopies(projectRoot) {
  const dirs = [];
  const expo = resolvePackageDir('@clerk/expo', projectRoot);
  if (expo) dirs.push(['@clerk/expo', expo]);
  for (const from of [expo, projectRoot]) {
    const js = from && resolvePackageDir('@clerk/clerk-js', from);
    if (js) dirs.push(['@clerk/clerk-js', js]);
  }
  const seen = new Set();
  const copies = [];
  for (const [name, dir] of dirs) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    let version;
    try {
      version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    } catch {
      continue;
    }
    copies.push({ name, version, dir });
  }
  return copies;
}

/**
 * Every installed copy with a shipped patch whose files are not that patch's output:
 * `state` is 'unpatched' (every file is the published one) or 'unknown' (neither, or a mix).
 */
function findUnappliedPatches(projectRoot, manifestFile = MANIFEST) {
  const manifest = readManifest(manifestFile);
  const problems = [];
  for (const copy of installedCopies(projectRoot)) {
    const entry = manifest.patches.find((p) => p.package === copy.name && p.version === copy.version);
    if (!entry) continue;
    const states = entry.files.map((f) => {
      const h = sha256(path.join(copy.dir, ...f.path.split('/')));
      return h === f.after ? 'patched' : h === f.before ? 'unpatched' : 'unknown';
    });
    if (states.every((s) => s === 'patched')) continue;
    const state = states.every((s) => s === 'unpatched') ? 'unpatched' : 'unknown';
    const files = entry.files.filter((_, i) => states[i] !== 'patched').map((f) => f.path);
    problems.push({
      ...copy,
      relPath: path.relative(projectRoot, copy.dir).split(path.sep).join('/'),
      state,
      fixes: entry.fixes,
      patch: entry.patch,
      files,
    });
  }
  return problems;
}

function packageManagerOf(projectRoot) {
  const hit = LOCKFILES.find(([f]) => fs.existsSync(path.join(projectRoot, f)));
  if (!hit) return undefined;
  if (hit[1] !== 'yarn') return hit[1];
  const berry = /^__metadata:/m.test(fs.readFileSync(path.join(projectRoot, 'yarn.lock'), 'utf8'));
  return berry ? 'yarn-berry' : 'yarn-classic';
}

/** Is a patch for name@version recorded as wired by `clerk-expo-patches sync`? */
function isWired(projectRoot, name, version) {
  try {
    const o = JSON.parse(fs.readFileSync(path.join(projectRoot, OWNERSHIP_FILE), 'utf8'));
    return (
      Array.isArray(o.patches) &&
      o.patches.some((p) => p.package === name && p.version === version && fs.existsSync(path.join(projectRoot, p.file)))
    );
  } catch {
    return false;
  }
}

const INSTALL = {
  npm: 'npm install',
  pnpm: 'pnpm install',
  'yarn-berry': 'yarn install',
  'yarn-classic': 'yarn install',
  bun: 'bun install',
};

function nextSteps(projectRoot, problems) {
  const pm = packageManagerOf(projectRoot);
  const install = (pm && INSTALL[pm]) || 'your package install';
  const wired = problems.every((p) => isWired(projectRoot, p.name, p.version));
  if (problems.some((p) => p.state === 'unknown')) {
    return `run \`npx clerk-expo-patches check\`: it names each copy's state and what to run (a copy patched by an older patch: remove it, e.g. \`rm -rf ${problems[0].relPath}\`, then \`${install}\`)`;
  }
  if (!wired)
    return `run \`npx clerk-expo-patches sync\`, then \`${install}\` (with install scripts enabled), then \`npx clerk-expo-patches check\``;
  if (pm === 'npm' || pm === 'yarn-classic') {
    return `the patch is wired but its postinstall (patch-package) did not run (--ignore-scripts, ignore-scripts=true, or a restored node_modules cache): run \`npx patch-package --error-on-fail\` (or \`${install}\` with scripts enabled), then \`npx clerk-expo-patches check\``;
  }
  return `the patch is wired but the installed copy is not patched (a restored node_modules cache?): run \`rm -rf node_modules && ${install}\`, then \`npx clerk-expo-patches check\``;
}

function unappliedMessage(projectRoot, problems) {
  const lines = [
    'clerk-expo-patches: a shipped patch is not applied to the installed Clerk SDK, so this build would ship the bugs it fixes.',
  ];
  for (const p of problems) {
    const what =
      p.state === 'unpatched'
        ? 'not patched (the published files)'
        : `neither the published files nor the shipped patch's output (${p.files.join(', ')})`;
    lines.push(`  ${p.name}@${p.version} (${p.relPath}): ${what}; fixes ${p.fixes.join(', ')} (${p.patch})`);
  }
  lines.push(`Next: ${nextSteps(projectRoot, problems)}.`);
  return lines.join('\n');
}

/** Expo prints a ConfigError's message alone, without a stack trace, and exits 1. */
function configError(message) {
  const err = new Error(message);
  err.name = 'ConfigError';
  err.code = 'CLERK_EXPO_PATCHES_NOT_APPLIED';
  return err;
}

function projectRootOf(config) {
  return (config && config._internal && config._internal.projectRoot) || process.cwd();
}

/**
 * Patches `clerk-expo-patches sync` recorded for a version the app no longer resolves: an upgrade
 * that changed package.json and the lockfile only (and an install that skipped our postinstall
 * guard, e.g. --ignore-scripts). The new version may need fixes no patch applies.
 */
function findStaleWiring(projectRoot) {
  let record;
  try {
    record = JSON.parse(fs.readFileSync(path.join(projectRoot, OWNERSHIP_FILE), 'utf8'));
  } catch {
    return [];
  }
  if (!record || !Array.isArray(record.patches)) return [];
  const copies = installedCopies(projectRoot);
  return record.patches
    .filter((p) => !copies.some((c) => c.name === p.package && c.version === p.version))
    .filter((p) => copies.some((c) => c.name === p.package))
    .map((p) => ({
      package: p.package,
      wired: p.version,
      file: p.file,
      installed: copies.filter((c) => c.name === p.package).map((c) => c.version),
    }));
}

function staleWiringMessage(projectRoot, stale) {
  const install = INSTALL[packageManagerOf(projectRoot)] || 'your package install';
  return [
    'clerk-expo-patches: the Clerk SDK was upgraded, but the patch wired in this app is for the old version, so this build would ship the new version unpatched.',
    ...stale.map((s) => `  ${s.package}: wired for ${s.wired} (${s.file}), installed ${s.installed.join(', ')}`),
    `Next: \`npx clerk-expo-patches sync && ${install}\` (it says what the new version still needs), then \`npx clerk-expo-patches check\`.`,
  ].join('\n');
}

function withClerkExpoPatches(config) {
  const projectRoot = projectRootOf(config);
  const problems = findUnappliedPatches(projectRoot);
  if (problems.length > 0) throw configError(unappliedMessage(projectRoot, problems));
  const stale = findStaleWiring(projectRoot);
  if (stale.length > 0) throw configError(staleWiringMessage(projectRoot, stale));
  return config;
}

module.exports = withClerkExpoPatches;
module.exports.findUnappliedPatches = findUnappliedPatches;
module.exports.unappliedMessage = unappliedMessage;
module.exports.findStaleWiring = findStaleWiring;
