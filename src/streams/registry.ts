import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StreamReader, type StreamReaderOptions } from './reader.ts';

const readers = new WeakMap<DynamoDBClient, Map<string, StreamReader>>();

/** One reader per table and client, shared by every subscriber in the process. */
export function streamReaderFor(client: DynamoDBClient, tableName: string, options?: StreamReaderOptions): StreamReader {
  let byTable = readers.get(client);
  if (!byTable) readers.set(client, (byTable = new Map()));
  let reader = byTable.get(tableName);
  if (!reader) byTable.set(tableName, (reader = new StreamReader(client, tableName, options)));
  return reader;
}

/** Stops every reader of a client (the connection is closing); their subscribers complete. */
export function disposeStreamReaders(client: DynamoDBClient): void {
  const byTable = readers.get(client);
  if (!byTable) return;
  readers.delete(client);
  for (const reader of byTable.values()) reader.dispose();
}
