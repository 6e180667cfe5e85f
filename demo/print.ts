export type Print = (line: string) => void;

/** Runs one demo step and prints a row: what, the outcome, how long it took. */
export async function step<T>(label: string, print: Print, action: () => Promise<T>, describe: (result: T) => string): Promise<T> {
  const started = performance.now();
  const result = await action();
  print(`  ${label.padEnd(46)} ${describe(result).padEnd(34)} ${(performance.now() - started).toFixed(1).padStart(7)} ms`);
  return result;
}
