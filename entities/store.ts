import { connect, type BoundTable, type Connection, type ConnectOptions } from 'tablekit';
import { ChangeLog, UserService, VideoProgressService, type VideoProgressOptions } from 'tablekit/services';
import type { MemoryConnection } from 'tablekit/testing';
import { AppTable, type AppEntities } from './table.ts';

export interface StoreOptions extends ConnectOptions {
  /** Physical table name (default `tablekit`). */
  tableName?: string;
  /** Create the table if it is missing (default true). */
  ensureTable?: boolean;
  /** Options of the video progress service (retention days, completion threshold). */
  videoProgress?: VideoProgressOptions;
  /** Use this connection (DynamoDB or `inMemory()`) instead of resolving one; the store then does not close it. */
  connection?: Connection | MemoryConnection;
}

/** The bundled application: its table, the one API per entity, the services, and close(). */
export interface Store {
  readonly table: BoundTable<AppEntities>;
  /** The per-entity APIs (`store.entities.user` keeps e-mails unique like `userService` does). */
  readonly entities: BoundTable<AppEntities>['entities'];
  /** Per-project change log with gapless sequences. */
  readonly changeLog: ChangeLog;
  /** Registration with unique e-mails, refresh tokens, account reads and deletion. */
  readonly userService: UserService;
  /** Video progress with stale-write protection and TTL. */
  readonly videoProgressService: VideoProgressService;
  readonly connection: Connection | MemoryConnection;
  /** Ends live streams and closes the connection it opened (stopping an embedded DynamoDB Local); idempotent. */
  close(): Promise<void>;
}

/** Opens the application store; with no configuration it runs on an embedded DynamoDB Local. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const { tableName, ensureTable = true, connection: given, videoProgress: progressOptions, ...connectOptions } = options;
  const connection = given ?? (await connect(connectOptions));
  const table = AppTable.bind(connection, tableName ? { tableName } : {});
  try {
    if (ensureTable) await table.ensure();
  } catch (error) {
    if (!given) await connection.close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    table,
    entities: table.entities,
    changeLog: new ChangeLog(table),
    userService: new UserService(table),
    videoProgressService: new VideoProgressService(table, progressOptions),
    connection,
    close: () =>
      (closed ??= (async () => {
        await Promise.all(Object.values(table.entities).map((entity) => entity.dispose()));
        table.closeStreams();
        if (!given) await connection.close();
      })()),
  };
}
