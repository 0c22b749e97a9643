import fs from 'node:fs';
import path from 'node:path';
import { BRIDGE_FILES, bridgeBaseName, type BridgeFile } from '../core/targets.ts';

/**
 * @clerk/expo 3.x's config plugin copies its Swift bridge into ios/<App>/ at every
 * `expo prebuild`. A committed ios/ folder is not re-prebuilt on EAS, so the copy there is what
 * ships: it must be byte-identical to the (patched) file in node_modules.
 */

const SKIP = new Set(['Pods', 'build', 'DerivedData']);

export interface IosCopy {
  /** App-relative: ios/MyApp/ClerkViewFactory.swift */
  file: string;
  name: string;
  /** The package-relative bridge file it is a copy of. */
  source: BridgeFile;
}

export function findIosCopies(appDir: string): IosCopy[] {
  const ios = path.join(appDir, 'ios');
  let dirs: fs.Dirent[];
  try {
    dirs = fs.readdirSync(ios, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: IosCopy[] = [];
  for (const d of dirs) {
    if (!d.isDirectory() || SKIP.has(d.name) || d.name.startsWith('.') || /\.(xcodeproj|xcworkspace)$/.test(d.name)) continue;
    for (const source of BRIDGE_FILES) {
      const name = bridgeBaseName(source);
      if (fs.existsSync(path.join(ios, d.name, name))) out.push({ file: `ios/${d.name}/${name}`, name, source });
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}
