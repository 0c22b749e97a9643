import fs from 'node:fs';
import path from 'node:path';
import type { AppStateStatus } from './app-state.ts';
import type { SecureStoreFailures } from './secure-store.ts';

/**
 * A device scenario (fixtures/native/<name>.json): the state of the native Clerk SDK and the
 * token cache when the JS bundle (re)starts, and how the simulated native module behaves.
 */
export interface NativeScenario {
  name: string;
  description: string;
  platform: 'ios' | 'android';
  native: {
    /** The native SDK was configured earlier in this process (a JS reload keeps native state). */
    configured: boolean;
    /** The native SDK holds a signed-in session (and its device token) when JS starts. */
    signedIn: boolean;
    /**
     * configure() semantics. "return-early": pristine iOS Swift — configure waits at most
     * 30×100 ms for a session, then resolves whether or not the session was restored;
     * "wait-for-session": Fix B — configure resolves once a session exists or the restore has
     * a definitive answer. Android always answers once initialised.
     */
    configure: 'return-early' | 'wait-for-session';
    /**
     * Virtual milliseconds after configure() starts at which a restored native session becomes
     * visible (0: at once). Time on the simulated device is virtual: the native configure wait
     * advances it in 100 ms steps, and each JS getSession() poll is one 100 ms step after the
     * previous one, so outcomes never depend on wall-clock timing.
     */
    sessionRestoredAtMs: number;
  };
  /**
   * false: the JS-only configuration (no native `ClerkExpo` module registered, as in apps that
   * use no native components); the `native` fields then only say whether the user starts signed in.
   */
  nativeModule?: boolean;
  js: {
    /** What expo-secure-store holds under __clerk_client_jwt when JS starts. */
    tokenCache: 'device-client' | 'empty';
    /** Read failures of the simulated expo-secure-store (secure-store.ts). */
    secureStore?: SecureStoreFailures;
    /** React Native AppState when the JS bundle starts (default 'active'; 'background' for a background launch). */
    appState?: AppStateStatus;
  };
  /** The user signs out in JS once loaded and signed in (a genuine sign-out). */
  signOutInJs?: boolean;
}

export const NATIVE_FIXTURES = path.resolve(__dirname, '../../../fixtures/native');

export function loadScenario(name: string): NativeScenario {
  const raw = JSON.parse(fs.readFileSync(path.join(NATIVE_FIXTURES, `${name}.json`), 'utf8')) as Omit<NativeScenario, 'name'>;
  return { name, ...raw };
}

export const scenarioNames = (): string[] =>
  fs.readdirSync(NATIVE_FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
