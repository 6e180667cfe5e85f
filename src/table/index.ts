export { defineTable, type TableDefinition } from './table.ts';
export { defaultIndexes, type EntityMap, type IndexKeys, type ResolvedPattern, type TableIndexes, type TableOptions } from './define-table.ts';
export { bindTable, type BoundTable, type EntityClients, type TableChange } from './bound-table.ts';
export { EntityClient, type Page, type QueryOptions } from './entity-client.ts';
export { buildElectro, electroSchemaOf, type ElectroEntity, type ElectroModel, type ElectroService } from './electro.ts';
export { compareTable, ensureTable, deleteTable, describeTable, listTables, TableMismatchError, type EnsureResult, type TableSummary } from './manage.ts';
export { toAwsCli, toCloudFormation, toIamPolicy, dataActions, managementActions, readIndexActions, streamActions, type ExportFormat, type IamOptions } from './exports.ts';
export { encodeCursor, decodeCursor } from './cursor.ts';
export { transactItem, transactWrite, type TransactionAction } from './transaction.ts';
