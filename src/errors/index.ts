export {
  RepositoryError,
  repositoryErrorCodes,
  isRepositoryError,
  formatPath,
  type RepositoryErrorCode,
  type RepositoryErrorOptions,
  type ValidationIssue,
} from './repository-error.ts';
export {
  mapError,
  conditionError,
  ConditionFailedError,
  TransactionCancelledError,
  UnconfirmedWriteError,
  type ErrorContext,
  type CancellationReason,
} from './map-error.ts';
export { errorField, errorMessage, errorName } from './inspect.ts';
