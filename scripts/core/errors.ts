/** The two errors every layer may raise; the CLI maps them to exit 2 with their message. */

/** The code does not have the shape a fix expects: the fix refuses rather than guess. */
export class ShapeError extends Error {
  constructor(
    readonly fixId: string,
    readonly file: string,
    readonly expected: string,
  ) {
    super(
      `${fixId}: ${file}: expected ${expected}, not found. The upstream code changed shape; update the codemod (scripts/fixes/${fixId}/) before patching this version.`,
    );
    this.name = 'ShapeError';
  }
}

/** Errors the CLI reports as "tool error" (exit 2) with a message that says what to do next. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n  → ${hint}` : message);
    this.name = 'ToolError';
  }
}
