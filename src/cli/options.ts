import { type Command, InvalidArgumentError } from 'commander';
import { connect, type Connection } from '../connection/index.ts';
import type { BoundTable, TableDefinition } from '../entity/index.ts';
import { loadTable } from './load-table.ts';

/** Flags shared by the commands that connect to DynamoDB and load a table definition. */
export interface ConnectionFlags {
  endpoint?: string;
  region?: string;
  tableName?: string;
  module?: string;
  export?: string;
}

export const parseCount = (value: string): number => {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('must be a positive integer');
  return count;
};

export const parsePort = (value: string): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError('must be a port number (1-65535)');
  return port;
};

export function connectionOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'DynamoDB endpoint (default: $DYNAMODB_ENDPOINT, else AWS by region, else embedded)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .option('--table-name <name>', 'physical table name (default: the definition name)');
}

export function tableOptions(command: Command): Command {
  return command
    .option('--module <path>', 'module exporting your table definition, e.g. entities/table.ts (required)')
    .option('--export <name>', 'export name of the table definition in --module (default: its only table)');
}

export const connectOptions = (flags: ConnectionFlags) => ({
  ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
  ...(flags.region ? { region: flags.region } : {}),
});

export const embeddedNote = 'note: no --endpoint, DYNAMODB_ENDPOINT or AWS_REGION given: using a temporary in-memory DynamoDB Local.';

export async function withConnection<T>(flags: ConnectionFlags, action: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(connectOptions(flags));
  if (connection.source === 'embedded') console.error(embeddedNote);
  try {
    return await action(connection);
  } finally {
    await connection.close();
  }
}

export const definitionOf = (flags: ConnectionFlags): Promise<TableDefinition> => loadTable(flags.module, flags.export);

/** Loads the table definition BEFORE connecting: a missing --module never starts an embedded DynamoDB Local. */
export async function withTable<T>(flags: ConnectionFlags, action: (bound: BoundTable) => Promise<T>): Promise<T> {
  const definition = await definitionOf(flags);
  return withConnection(flags, (connection) => action(definition.bind(connection, flags.tableName ? { tableName: flags.tableName } : {})));
}

export const print = (value: unknown): void => console.log(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
