import { ChangeLog, connect, createRepository, UserService, VideoProgressService, type VideoProgressOptions, type BoundTable, type Connection, type ConnectOptions, type DynamoRepository } from 'tablekit';
import { Change } from './change.ts';
import { EmailClaim } from './email-claim.ts';
import { Sequence } from './sequence.ts';
import { AppTable } from './table.ts';
import { User } from './user.ts';
import { VideoProgress } from './video-progress.ts';

export interface StoreOptions extends ConnectOptions {
  /** Physical table name (default `tablekit`). */
  tableName?: string;
  /** Create the table if it is missing (default true). */
  ensureTable?: boolean;
  /** Options of the video progress service (retention days, completion threshold). */
  videoProgress?: VideoProgressOptions;
  /** Use this connection instead of resolving one; the store then does not close it. */
  connection?: Connection;
}

/** The facade over the bundled entities: one repository per entity, the table, and close(). */
export interface Store {
  readonly users: DynamoRepository<typeof User>;
  readonly emailClaims: DynamoRepository<typeof EmailClaim>;
  readonly videoProgress: DynamoRepository<typeof VideoProgress>;
  readonly changes: DynamoRepository<typeof Change>;
  readonly sequences: DynamoRepository<typeof Sequence>;
  /** Per-project change log with gapless sequences. */
  readonly changeLog: ChangeLog<(typeof AppTable)['entities']>;
  /** Registration with unique e-mails, refresh tokens, account reads and deletion. */
  readonly userService: UserService<(typeof AppTable)['entities']>;
  /** Video progress with stale-write protection and TTL. */
  readonly videoProgressService: VideoProgressService<(typeof AppTable)['entities']>;
  readonly table: BoundTable<(typeof AppTable)['entities']>;
  readonly connection: Connection;
  /** Disposes the repositories and closes the connection it opened (stopping an embedded DynamoDB Local); idempotent. */
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
  const repositories = {
    users: createRepository(User, { table }),
    emailClaims: createRepository(EmailClaim, { table }),
    videoProgress: createRepository(VideoProgress, { table }),
    changes: createRepository(Change, { table }),
    sequences: createRepository(Sequence, { table }),
  };
  let closed: Promise<void> | undefined;
  return {
    ...repositories,
    changeLog: new ChangeLog(table),
    userService: new UserService(table),
    videoProgressService: new VideoProgressService(table, progressOptions),
    table,
    connection,
    close: () =>
      (closed ??= (async () => {
        await Promise.all(Object.values(repositories).map((repository) => repository.dispose()));
        table.closeStreams();
        if (!given) await connection.close();
      })()),
  };
}
