export { createRepository, DynamoRepository, InMemoryRepository, type CreateRepositoryOptions } from './create.ts';
export { DynamoStorage } from './dynamo-storage.ts';
export { MemoryStorage } from './memory-storage.ts';
export { idOf, keyOf } from './ids.ts';
export type { ConditionalPut, Storage, StorageChange, StorageListener, StorageQuery, WriteCondition } from './storage.ts';
export { StorageRepository, MAX_ITEM_BYTES, MAX_TRANSACTION_ITEMS, type RepositoryOptions } from './repository.ts';
export type { Condition, Filter } from './filter.ts';
export type {
  FindOptions,
  Finders,
  GetManyResult,
  IdentifiedObject,
  InferId,
  Page as RepositoryPage,
  PageOptions,
  Repository,
  RepositoryQuery,
  SaveAllOptions,
  SaveAllProgress,
  SaveAllResult,
} from './types.ts';
export { RepositoryError, isRepositoryError, type RepositoryErrorCode } from '../errors/index.ts';
