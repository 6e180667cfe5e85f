export const repositoryErrorCodes = [
  'notFound',
  'alreadyExists',
  'duplicate',
  'conditionFailed',
  'validation',
  'conflict',
  'throttled',
  'connection',
  'timeout',
  'aborted',
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
  /** The entity the failed operation was about. */
  entity?: string;
  issues?: ValidationIssue[];
  /** A bulk write that stopped: the ids of the items it wrote before it stopped. */
  written?: readonly unknown[];
}

/** The one error type tablekit throws for data operations; switch on `code`. */
export class RepositoryError extends Error {
  override readonly name = 'RepositoryError';
  readonly code: RepositoryErrorCode;
  readonly id: unknown;
  readonly entity: string | undefined;
  readonly issues: ValidationIssue[];
  /** A bulk write (saveAll, deleteMany) that stopped: the ids of the items it did write; the others were not written. */
  readonly written: readonly unknown[] | undefined;

  constructor(code: RepositoryErrorCode, message: string, options: RepositoryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.id = options.id;
    this.entity = options.entity;
    this.issues = options.issues ?? [];
    this.written = options.written;
  }

  static validation(entity: string, issues: ValidationIssue[], id?: unknown): RepositoryError {
    const list = issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
    return new RepositoryError('validation', `Invalid ${entity}: ${list}`, { issues, id, entity });
  }
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  if (path.length === 0) return '(item)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

export function isRepositoryError(error: unknown, code?: RepositoryErrorCode): error is RepositoryError {
  return error instanceof RepositoryError && (code === undefined || error.code === code);
}
