/**
 * React Native's AppState on the simulated device: the state the JS bundle starts in
 * ('background' for a background fetch / silent push / location / VoIP launch) and `set()` to
 * move it ('active' when the user opens the app), notifying every `change` listener as React
 * Native does. Like the keychain, it belongs to the device, not to one JS launch.
 */
export type AppStateStatus = 'active' | 'background' | 'inactive';

export class SimulatedAppState {
  private readonly listeners = new Set<(state: AppStateStatus) => void>();

  constructor(public currentState: AppStateStatus = 'active') {}

  /** Change listeners currently registered (what is waiting for the app to become active). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  set(state: AppStateStatus): void {
    this.currentState = state;
    for (const fn of [...this.listeners]) fn(state);
  }

  /** The `AppState` export of the react-native stand-in. */
  module(): Record<string, unknown> {
    const self = this;
    return {
      get currentState() {
        return self.currentState;
      },
      addEventListener: (type: string, fn: (state: AppStateStatus) => void) => {
        if (type !== 'change') return { remove() {} };
        self.listeners.add(fn);
        return { remove: () => void self.listeners.delete(fn) };
      },
    };
  }
}
