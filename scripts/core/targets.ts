/**
 * The packages clerk-expo-patches patches and checks, and the files of them that the fixes and
 * the consumer side name. One owner for each of these facts.
 */
export const TARGET_PACKAGES = ['@clerk/clerk-js', '@clerk/expo'] as const;
export type TargetPackage = (typeof TARGET_PACKAGES)[number];

export const isTargetPackage = (name: string): name is TargetPackage => (TARGET_PACKAGES as readonly string[]).includes(name);

/** Which registry versions verify classifies by structure, per package. */
export const CLASSIFY_RANGE: Record<TargetPackage, string> = {
  '@clerk/clerk-js': '>=6.0.0 <7.0.0',
  '@clerk/expo': '>=3.0.0 <5.0.0',
};

/**
 * The Swift bridge @clerk/expo's config plugin copies into ios/<App>/ at `expo prebuild`
 * (app.plugin.js: "ALWAYS copy the file"): ios/ClerkViewFactory.swift in 3.1.x–3.3.x,
 * ios/ClerkNativeBridge.swift from 3.4.x. ios/templates/* is never copied, so never a target.
 * Paths are package-relative; the copy in the app keeps the base name.
 */
export const BRIDGE_FILES = ['ios/ClerkViewFactory.swift', 'ios/ClerkNativeBridge.swift'] as const;
export type BridgeFile = (typeof BRIDGE_FILES)[number];
export const bridgeBaseName = (f: BridgeFile): string => f.slice('ios/'.length);
