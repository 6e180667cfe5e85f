/** tablekit: declare entities (zod + keys), group them in one table, use the one API per entity. */
export { defineEntity, SchemaDefinitionError } from './schema/index.ts';
export type {
  AccessPattern,
  AccessPatternName,
  EntityDefinition,
  EntityKeys,
  EntityOptions,
  FieldName,
  HiddenOf,
  InferInput,
  InferItem,
  InferItemWith,
  InferKey,
  InferPatternKey,
  InferStored,
  KeyTemplate,
  SortCondition,
  UniqueOptions,
} from './schema/index.ts';
export { defineTable } from './entity/index.ts';
export type {
  AttributeOf,
  BindOptions,
  BoundTable,
  CollectionName,
  CollectionResult,
  EntityApis,
  Finders,
  GetManyResult,
  GetOptions,
  IdentifiedObject,
  InferId,
  Operators,
  Page,
  Patch,
  PatchOptions,
  Query,
  ReadOptions,
  Repository,
  SaveAllOptions,
  SaveAllProgress,
  SaveAllResult,
  Selected,
  TableChange,
  TableDefinition,
  TransactionGet,
  TransactionReader,
  TransactionWrite,
  TransactionWriter,
  Where,
  WriteOptions,
} from './entity/index.ts';
export { TableMismatchError, type EnsureResult, type EntityMap, type ExportFormat, type IamOptions, type TableOptions, type TableSummary } from './table/index.ts';
export { connect, connectLocal, type Connection, type ConnectOptions, type ConnectionSource } from './connection/index.ts';
export { RepositoryError, isRepositoryError, type RepositoryErrorCode, type ValidationIssue } from './errors/index.ts';
export type { LiveStream } from './streams/index.ts';
