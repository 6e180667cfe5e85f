/** tablekit public API. */
export { defineEntity, SchemaDefinitionError, NUMBER_KEY_DIGITS } from './schema/index.ts';
export type {
  AccessPattern,
  AccessPatternName,
  EntityDefinition,
  EntityKeys,
  EntityOptions,
  FieldName,
  InferInput,
  InferItem,
  InferKey,
  InferPatternKey,
  KeyTemplate,
} from './schema/index.ts';
export {
  defineTable,
  defaultIndexes,
  bindTable,
  EntityClient,
  TableMismatchError,
  toAwsCli,
  toCloudFormation,
  toIamPolicy,
  electroSchemaOf,
} from './table/index.ts';
export type {
  BoundTable,
  ElectroEntity,
  ElectroModel,
  ElectroService,
  EnsureResult,
  EntityMap,
  ExportFormat,
  IamOptions,
  IndexKeys,
  Page,
  QueryOptions,
  ResolvedPattern,
  TableDefinition,
  TableIndexes,
  TableOptions,
  TableSummary,
} from './table/index.ts';
export { connect, connectLocal, type Connection, type ConnectOptions, type ConnectionSource } from './connection/index.ts';
export { startLocalDynamo, LocalDynamoError, type LocalDynamo, type LocalDynamoOptions } from './local/index.ts';
export { RepositoryError, isRepositoryError, mapError, type RepositoryErrorCode, type ValidationIssue } from './errors/index.ts';
export { generateAccessPatternDoc } from './docs/index.ts';
export {
  createRepository,
  DynamoRepository,
  InMemoryRepository,
  StorageRepository,
  MAX_ITEM_BYTES,
  MAX_TRANSACTION_ITEMS,
} from './repository/index.ts';
export type {
  Condition,
  CreateRepositoryOptions,
  Filter,
  FindOptions,
  Finders,
  GetManyResult,
  IdentifiedObject,
  InferId,
  PageOptions,
  Repository,
  RepositoryOptions,
  RepositoryPage,
  RepositoryQuery,
  SaveAllOptions,
  SaveAllProgress,
  SaveAllResult,
} from './repository/index.ts';
export {
  UserService,
  VideoProgressService,
  hashToken,
  normaliseEmail,
  type RegisterInput,
  type RecordInput,
  type RecordResult,
  type UserEntities,
  type UserOf,
  type VideoProgressEntities,
  type VideoProgressOf,
  type VideoProgressOptions,
} from './services/index.ts';
export { withChangeLog, type OutboxOptions, type ChangeEntry, type CompanionWrite } from './services/index.ts';
export { ChangeLog, type ChangeInputOf, type ChangeLogEntities, type ChangeLogOptions, type ChangeLogStats, type ChangeOf } from './services/index.ts';
export { transactItem, transactWrite, type TransactionAction } from './table/index.ts';
export { defaultRetryPolicy, defaultConflictPolicy, type RetryPolicy } from './retry/index.ts';
