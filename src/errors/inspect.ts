/** A field of whatever was thrown: SDK errors carry `name`, `Item`, `CancellationReasons`, `code`. */
export function errorField(error: unknown, field: string): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  return Reflect.get(error, field);
}

export function errorName(error: unknown): string | undefined {
  const name = errorField(error, 'name');
  return typeof name === 'string' ? name : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
