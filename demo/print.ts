import { randomUUID } from 'node:crypto';
import { isRepositoryError, type RepositoryError, type RepositoryErrorCode } from 'tablekit';

export type Print = (line: string) => void;

const row = (label: string, outcome: string, ms: number) => `  ${label.padEnd(56)} ${outcome.padEnd(48)} ${ms.toFixed(1).padStart(7)} ms`;

/** Runs one demo step and prints a row: what, the outcome, how long it took. */
export async function step<T>(label: string, print: Print, action: () => Promise<T>, describe: (result: T) => string): Promise<T> {
  const started = performance.now();
  const result = await action();
  print(row(label, describe(result), performance.now() - started));
  return result;
}

/** A step that must fail with this RepositoryError code; prints `RepositoryError(code)` and what it named. */
export async function expectError(label: string, print: Print, code: RepositoryErrorCode, action: () => Promise<unknown>): Promise<RepositoryError> {
  return step(
    label,
    print,
    async () => {
      try {
        await action();
      } catch (error) {
        if (isRepositoryError(error, code)) return error;
        throw error;
      }
      throw new Error(`${label}: expected a RepositoryError(${code}), but it succeeded`);
    },
    (error) => `RepositoryError(${error.code})${error.entity ? ` ${error.entity}` : ''}`,
  );
}

/** A demo expectation: the tour stops with an error (and a non-zero exit) when the library misbehaves. */
export function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`demo check failed: ${what}`);
}

/** Waits until `condition()` holds (stream deliveries), or fails naming what it waited for. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const shortId = () => randomUUID().slice(0, 8);
