import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor } from './cursor.ts';

type Raw = Record<string, unknown>;

export interface PagingOptions {
  limit?: number | undefined;
  cursor?: string | undefined;
  order?: 'asc' | 'desc' | undefined;
  consistent?: boolean | undefined;
}

/** Sends one Query (or Scan) page built by ElectroDB, with Limit, cursor, order and consistency. */
export async function sendPage(doc: DynamoDBDocumentClient, kind: 'query' | 'scan', params: Raw, options: PagingOptions): Promise<{ items: Raw[]; cursor: string | undefined }> {
  const input = {
    ...(params as { TableName: string }),
    ...(options.limit !== undefined ? { Limit: options.limit } : {}),
    ...(options.cursor ? { ExclusiveStartKey: decodeCursor(options.cursor) } : {}),
    ...(options.order === 'desc' ? { ScanIndexForward: false } : {}),
    ...(options.consistent ? { ConsistentRead: true } : {}),
  };
  const result = kind === 'scan' ? await doc.send(new ScanCommand(input)) : await doc.send(new QueryCommand(input));
  return { items: result.Items ?? [], cursor: result.LastEvaluatedKey ? encodeCursor(result.LastEvaluatedKey) : undefined };
}
