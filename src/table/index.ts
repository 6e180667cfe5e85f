export {
  defaultIndexes,
  defineTableLayout,
  type EntityMap,
  type IndexKeys,
  type ResolvedPattern,
  type TableIndexes,
  type TableOptions,
  type TableLayout,
} from './define-table.ts';
export { buildElectro, electroSchemaOf, type ElectroEntity, type ElectroModel, type ElectroService } from './electro.ts';
export { compareTable, ensureTable, deleteTable, describeTable, listTables, TableMismatchError, type EnsureResult, type TableSummary } from './manage.ts';
export {
  toAwsCli,
  toCloudFormation,
  toIamPolicy,
  dataActions,
  managementActions,
  readIndexActions,
  streamActions,
  type ExportFormat,
  type IamOptions,
} from './exports.ts';
export { KeyBuilder, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, type KeyPart, type PatternKeys, type SortBound } from './keys.ts';
