/** Progress and words go to stderr; stdout is kept for JSON. */
export const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export const ms = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)}s`;
