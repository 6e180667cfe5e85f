import type { Connection } from '../connection/index.ts';
import { bindTable, type BoundTable } from './bound-table.ts';
import { defineTableLayout, type EntityMap, type TableDefinition as TableLayout, type TableOptions } from './define-table.ts';
import { toAwsCli, toCloudFormation, toIamPolicy, type ExportFormat, type IamOptions } from './exports.ts';

/** A table definition with its operations and exports. */
export interface TableDefinition<E extends EntityMap = EntityMap> extends TableLayout<E> {
  /** Binds the definition to a connection; `tableName` overrides the default name (e.g. one table per test file). */
  bind(connection: Connection, options?: { tableName?: string }): BoundTable<E>;
  toCloudFormation(options?: { format?: ExportFormat; tableName?: string }): string;
  toAwsCli(options?: { tableName?: string; endpointUrl?: string; region?: string }): string;
  toIamPolicy(options?: IamOptions): string;
}

/** Groups entity declarations into one DynamoDB table. */
export function defineTable<const E extends EntityMap>(options: TableOptions<E>): TableDefinition<E> {
  const layout = defineTableLayout(options);
  return {
    ...layout,
    bind: (connection, bindOptions = {}) => bindTable(layout, connection, bindOptions.tableName ?? layout.name),
    toCloudFormation: (exportOptions) => toCloudFormation(layout, exportOptions),
    toAwsCli: (exportOptions) => toAwsCli(layout, exportOptions),
    toIamPolicy: (exportOptions) => toIamPolicy(layout, exportOptions),
  };
}
