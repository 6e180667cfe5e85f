export { defineTable, type BindOptions, type BoundTable, type EntityApis, type TableChange, type TableDefinition } from './table.ts';
export type {
  AttributeOf,
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
  Where,
  WriteOptions,
} from './types.ts';
export type { TransactionGet, TransactionReader, TransactionWrite, TransactionWriter } from './transaction.ts';
export { DEFAULT_TIMEOUT_MS, type CallOptions } from './deadline.ts';
export type { EntityContext, RecordedChange, RecordedWrite, WriteRecorder } from './context.ts';
export { explain, toTransactItem, type Guard, type Operation } from './operations.ts';
export { entityIdOf } from './writes.ts';
export { MAX_ITEM_BYTES } from './model.ts';
export { MAX_TRANSACTION_ITEMS } from './operations.ts';
export { UniqueClaim } from './unique.ts';
export type { CollectionMembers, CollectionName, CollectionResult } from './collections.ts';
export { createEntityApi } from './repository.ts';
export { runAll } from './operations.ts';
export { planCreate, planPatchWrite, planSave, type PlannedWrite } from './writes.ts';
export {
  failureOf,
  modelFor,
  moveFailure,
  moveOperations,
  primaryKeyOf,
  tableKeyFieldsOf,
  Upgrade,
  type MoveFailure,
  type PreviousVersion,
} from './previous.ts';
export { EntityModel } from './model.ts';
