import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isRepositoryError, type RepositoryErrorCode } from 'tablekit';

/** The one place where RepositoryError codes become HTTP statuses. */
const statusByCode: Record<RepositoryErrorCode, 400 | 404 | 409 | 412 | 500 | 503 | 504> = {
  validation: 400,
  notFound: 404,
  alreadyExists: 409,
  duplicate: 409,
  conditionFailed: 412,
  conflict: 409,
  throttled: 503,
  connection: 503,
  timeout: 504,
  // The caller's AbortSignal ended the operation: nobody is waiting for this answer.
  aborted: 503,
  unknown: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; issues?: { path: (string | number)[]; message: string }[] };
}

export function errorBody(code: string, message: string, issues?: ErrorBody['error']['issues']): ErrorBody {
  return { error: { code, message, ...(issues && issues.length > 0 ? { issues } : {}) } };
}

export function errorResponse(c: Context, error: unknown): Response {
  if (isRepositoryError(error)) {
    return c.json(errorBody(error.code, error.message, error.issues), statusByCode[error.code]);
  }
  // Hono's own 4xx (e.g. malformed JSON) keep their status.
  if (error instanceof HTTPException && error.status < 500) {
    return c.json(errorBody(error.status === 400 ? 'validation' : 'invalid', error.message), error.status);
  }
  // Unexpected errors: no internals in the response.
  console.error('tablekit http: unexpected error', error);
  return c.json(errorBody('unknown', 'internal error'), 500);
}
