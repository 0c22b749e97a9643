import type { SimulatedClerkExpo } from './native-module.ts';

/**
 * The part of `react-native` @clerk/expo's dist touches, backed by the simulated device:
 * Platform, TurboModuleRegistry / NativeModules (answering "ClerkExpo" with the simulated
 * native module) and NativeEventEmitter (wired to the module's onAuthStateChange events).
 */
export function reactNativeStub(platform: 'ios' | 'android', native: SimulatedClerkExpo): Record<string, unknown> {
  const surface = native.surface();
  const modules: Record<string, unknown> = surface ? { ClerkExpo: surface } : {};
  class NativeEventEmitter {
    addListener(event: string, listener: (e: unknown) => void): { remove(): void } {
      native.events.on(event, listener);
      return { remove: () => native.events.off(event, listener) };
    }
  }
  return {
    Platform: {
      OS: platform,
      select: (o: Record<string, unknown>) => o[platform] ?? o.native ?? o.default,
      constants: { reactNativeVersion: { major: 0, minor: 81, patch: 4 } },
    },
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

/** `expo` / `expo-modules-core`: requireNativeModule / requireOptionalNativeModule answering "ClerkExpo". */
export function expoModulesStub(native: SimulatedClerkExpo): Record<string, unknown> {
  const surface = native.surface();
  const modules: Record<string, unknown> = surface ? { ClerkExpo: surface } : {};
  return {
    requireNativeModule: (name: string) => {
      const m = modules[name];
      if (!m) throw new Error(`Cannot find native module '${name}'`);
      return m;
    },
    requireOptionalNativeModule: (name: string) => modules[name] ?? null,
    NativeModulesProxy: modules,
    EventEmitter: class {
      addListener() {
        return { remove() {} };
      }
    },
  };
}
