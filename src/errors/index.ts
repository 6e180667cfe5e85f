export {
  RepositoryError,
  repositoryErrorCodes,
  isRepositoryError,
  formatPath,
  type RepositoryErrorCode,
  type RepositoryErrorOptions,
  type ValidationIssue,
} from './repository-error.ts';
export { mapError, conditionError, type ErrorContext, type CancellationReason } from './map-error.ts';
