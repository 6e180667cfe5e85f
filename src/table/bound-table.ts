import type { Connection } from '../connection/index.ts';
import type { InferItem } from '../schema/index.ts';
import { LiveStream, streamReaderFor } from '../streams/index.ts';
import type { EntityMap, TableDefinition } from './define-table.ts';
import { buildElectro, type ElectroModel } from './electro.ts';
import { EntityClient } from './entity-client.ts';
import { deleteTable, describeTable, ensureTable, listTables, type EnsureResult, type TableSummary } from './manage.ts';

export type EntityClients<E extends EntityMap> = { readonly [K in keyof E]: EntityClient<E[K]> };

/** One change from the table's stream, typed by entity (`change.entity` narrows the items). */
export type TableChange<E extends EntityMap> = {
  [K in keyof E & string]: {
    entity: K;
    type: 'insert' | 'modify' | 'remove';
    newItem: InferItem<E[K]> | undefined;
    oldItem: InferItem<E[K]> | undefined;
    sequenceNumber: string;
  };
}[keyof E & string];

/** A table definition bound to a connection and a physical table name. */
export interface BoundTable<E extends EntityMap = EntityMap> {
  readonly definition: TableDefinition<E>;
  readonly tableName: string;
  readonly connection: Connection;
  /** Typed, validated entity clients. */
  readonly entities: EntityClients<E>;
  /** The ElectroDB entities and Service (collections, transactions) bound to the same client. */
  readonly electro: ElectroModel;
  /** Creates the table if missing, waits until ACTIVE, enables TTL; fails on a conflicting layout. */
  ensure(): Promise<EnsureResult>;
  /** Deletes the table; false if it did not exist. */
  delete(): Promise<boolean>;
  describe(): Promise<TableSummary | undefined>;
  /** Every table name on this connection. */
  list(): Promise<string[]>;
  /** Live changes of every entity from the table's DynamoDB Stream (items of other writers included). */
  changes(): LiveStream<TableChange<E>>;
  /** Stops this table's stream reader: every live subscription on it (streams, follow, changes) completes. */
  closeStreams(): void;
}

export function bindTable<E extends EntityMap>(definition: TableDefinition<E>, connection: Connection, tableName = definition.name): BoundTable<E> {
  const electro = buildElectro(definition, tableName, connection.doc);
  const entities = Object.fromEntries(
    Object.entries(definition.entities).map(([name, entity]) => [name, new EntityClient(entity, electro.entities[name] as ElectroModel['entities'][string], connection.doc, tableName)]),
  ) as EntityClients<E>;
  return {
    definition,
    tableName,
    connection,
    entities,
    electro,
    ensure: () => ensureTable(connection.client, definition, tableName),
    delete: () => deleteTable(connection.client, tableName),
    describe: () => describeTable(connection.client, tableName),
    list: () => listTables(connection.client),
    closeStreams: () => streamReaderFor(connection.client, tableName).dispose(),
    changes: () =>
      new LiveStream<TableChange<E>>(async (observer) => {
        const clients = entities as Record<string, EntityClient<EntityMap[string]>>;
        return streamReaderFor(connection.client, tableName).subscribe({
          next: (change) => {
            const client = change.entity === undefined ? undefined : clients[change.entity];
            if (!client) return;
            const decode = (raw: Record<string, unknown> | undefined) => (raw ? client.decode(raw) : undefined);
            observer.next({ ...change, newItem: decode(change.newItem), oldItem: decode(change.oldItem) } as TableChange<E>);
          },
          error: observer.error,
          complete: observer.complete,
        });
      }),
  };
}
