import type { PackageSnapshot } from './fix.ts';

/**
 * The Swift file @clerk/expo's config plugin copies into the app target at `expo prebuild`
 * (app.plugin.js: "ALWAYS copy the file"): ios/ClerkViewFactory.swift in 3.1.x–3.3.x,
 * ios/ClerkNativeBridge.swift from 3.4.x. ios/templates/* is never copied, so never a target.
 */
export const BRIDGE_FILES = ['ios/ClerkViewFactory.swift', 'ios/ClerkNativeBridge.swift'] as const;

/** The bridge file this version ships, or [] (3.0.x has none: nothing to patch). */
export function bridgeTargets(pkg: PackageSnapshot): string[] {
  const found = BRIDGE_FILES.find((f) => pkg.files.includes(f));
  return found ? [found] : [];
}
