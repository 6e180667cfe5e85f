import { RepositoryError } from '../errors/index.ts';

/** Opaque page cursor: the LastEvaluatedKey as base64url JSON. */
export function encodeCursor(lastEvaluatedKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastEvaluatedKey)).toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // fall through to the validation error
  }
  throw new RepositoryError('validation', 'Invalid cursor: pass the cursor returned by the previous page unchanged');
}
