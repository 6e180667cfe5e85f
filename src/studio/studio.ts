import { randomBytes, randomUUID } from 'node:crypto';
import type { Connection } from '../connection/index.ts';
import type { BoundTable, TableDefinition } from '../entity/index.ts';
import type { MemoryConnection } from '../storage/index.ts';
import type { EntityMap } from '../table/index.ts';
import { Catalog } from './catalog.ts';
import { dynamoRecorder, memoryRecorder, type RecordedRequest, type RequestRecorder } from './recorder.ts';

export interface StudioOptions<E extends EntityMap = EntityMap> {
  definition: TableDefinition<E>;
  /** DynamoDB (a Connection) or the in-memory twin (`inMemory()`). */
  connection: Connection | MemoryConnection;
  /** Physical table name (default: the definition's name). */
  tableName?: string;
}

/** The requests of a write, kept for the page the browser is redirected to after it (post/redirect/get). */
export class Traces {
  private readonly traces = new Map<string, RecordedRequest[]>();

  constructor(private readonly capacity = 100) {}

  keep(requests: RecordedRequest[]): string {
    const id = randomUUID();
    this.traces.set(id, requests);
    for (const oldest of this.traces.keys()) {
      if (this.traces.size <= this.capacity) break;
      this.traces.delete(oldest);
    }
    return id;
  }

  get(id: string | undefined): RecordedRequest[] {
    return (id && this.traces.get(id)) || [];
  }
}

/** Everything the studio's pages share: the bound table, what it knows about it, the request recorder. */
export interface Studio {
  readonly table: BoundTable;
  readonly catalog: Catalog;
  readonly recorder: RequestRecorder;
  /** Random per process; every form that writes carries it, so a page of another site cannot post to the studio. */
  readonly token: string;
  readonly traces: Traces;
  /** Where the table lives, for the page header. */
  readonly where: string;
}

const isMemory = (connection: Connection | MemoryConnection): connection is MemoryConnection => connection.source === 'memory';

/**
 * The studio works on ANY table, so it sees each entity API as the generic one: ids, keys and
 * items come from forms at runtime and the API validates them like any input.
 */
const generic = <E extends EntityMap>(table: BoundTable<E>): BoundTable => table as unknown as BoundTable;

/** Binds the definition for the studio, with the studio's request recorder on its own connection. */
export function openStudio<E extends EntityMap>(options: StudioOptions<E>): Studio {
  const bindOptions = options.tableName ? { tableName: options.tableName } : {};
  let table: BoundTable;
  let recorder: RequestRecorder;
  let where: string;
  if (isMemory(options.connection)) {
    const recording = memoryRecorder(options.connection);
    table = generic(options.definition.bind(recording.connection, bindOptions));
    recorder = recording.recorder;
    where = 'in memory (the twin: requests shown are what DynamoDB would receive)';
  } else {
    table = generic(options.definition.bind(options.connection, bindOptions));
    recorder = dynamoRecorder(options.connection);
    where = options.connection.endpoint ? `${options.connection.endpoint} (${options.connection.source})` : `AWS ${options.connection.region}`;
  }
  return { table, catalog: new Catalog(table), recorder, token: randomBytes(18).toString('base64url'), traces: new Traces(), where };
}
