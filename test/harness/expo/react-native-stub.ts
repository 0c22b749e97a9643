import type { SimulatedClerkExpo } from './native-module.ts';

/**
 * The part of `react-native` @clerk/expo's dist touches, backed by the simulated device:
 * Platform, TurboModuleRegistry / NativeModules (answering "ClerkExpo" with the simulated
 * native module) and NativeEventEmitter (wired to the module's onAuthStateChange events).
 */
export function reactNativeStub(platform: 'ios' | 'android', native: SimulatedClerkExpo, registerNative = true): Record<string, unknown> {
  const modules: Record<string, unknown> = registerNative ? { ClerkExpo: native } : {};
  class NativeEventEmitter {
    constructor(private readonly module: SimulatedClerkExpo) {}
    addListener(event: string, listener: (e: unknown) => void): { remove(): void } {
      this.module.events.on(event, listener);
      return { remove: () => this.module.events.off(event, listener) };
    }
  }
  return {
    Platform: { OS: platform, select: (o: Record<string, unknown>) => o[platform] ?? o.native ?? o.default, constants: { reactNativeVersion: { major: 0, minor: 81, patch: 4 } } },
    TurboModuleRegistry: {
      get: (name: string) => modules[name] ?? null,
      getEnforcing: (name: string) => {
        const m = modules[name];
        if (!m) throw new Error(`TurboModuleRegistry.getEnforcing(...): '${name}' could not be found.`);
        return m;
      },
    },
    NativeModules: modules,
    NativeEventEmitter,
    requireNativeComponent: () => () => null,
    StyleSheet: { create: <T>(s: T) => s },
    View: () => null,
    Linking: { openURL: async () => undefined, addEventListener: () => ({ remove() {} }) },
    AppState: { currentState: 'active', addEventListener: () => ({ remove() {} }) },
  };
}
