export const repositoryErrorCodes = [
  'notFound',
  'alreadyExists',
  'duplicate',
  'validation',
  'conflict',
  'throttled',
  'connection',
  'timeout',
  'unknown',
] as const;

export type RepositoryErrorCode = (typeof repositoryErrorCodes)[number];

/** One problem found by validation: where (path into the item) and what. */
export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

export interface RepositoryErrorOptions {
  cause?: unknown;
  id?: unknown;
  issues?: ValidationIssue[];
}

/** The one error type tablekit throws for data operations; switch on `code`. */
export class RepositoryError extends Error {
  override readonly name = 'RepositoryError';
  readonly code: RepositoryErrorCode;
  readonly id: unknown;
  readonly issues: ValidationIssue[];

  constructor(code: RepositoryErrorCode, message: string, options: RepositoryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.id = options.id;
    this.issues = options.issues ?? [];
  }

  static validation(entity: string, issues: ValidationIssue[], id?: unknown): RepositoryError {
    const list = issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
    return new RepositoryError('validation', `Invalid ${entity}: ${list}`, { issues, id });
  }
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  if (path.length === 0) return '(item)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

export function isRepositoryError(error: unknown, code?: RepositoryErrorCode): error is RepositoryError {
  return error instanceof RepositoryError && (code === undefined || error.code === code);
}
