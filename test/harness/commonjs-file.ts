import vm from 'node:vm';

export interface CommonJsContext {
  /** The file's `require`: the caller's stand-ins (react-native, the package's own modules…). */
  require(id: string): unknown;
  /** The file's timers: a virtual clock's, or Node's. */
  setTimeout: unknown;
  clearTimeout: unknown;
  /** More globals the file reads (console, __DEV__…). */
  globals?: Record<string, unknown>;
}

/**
 * Evaluates one CommonJS file of a published dist (@clerk/expo's createClerkInstance.js) in a
 * context of its own, with the built-ins such a file uses, the caller's `require` and timers.
 * Returns its exports.
 */
export function evaluateCommonJs(text: string, context: CommonJsContext): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  vm.runInNewContext(text, {
    require: context.require,
    module,
    exports: module.exports,
    Object,
    Promise,
    WeakMap,
    Math,
    String,
    Symbol,
    URL,
    AbortController,
    setTimeout: context.setTimeout,
    clearTimeout: context.clearTimeout,
    ...context.globals,
  });
  return module.exports;
}
