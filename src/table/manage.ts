import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  paginateListTables,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { errorName } from '../errors/index.ts';
import type { TableLayout } from './define-table.ts';

/** The table exists but is not the table the definition describes. */
export class TableMismatchError extends Error {
  override readonly name = 'TableMismatchError';
  constructor(
    readonly tableName: string,
    readonly differences: string[],
  ) {
    super(
      `Table '${tableName}' exists with a different layout: ${differences.join('; ')}. Use another table name or delete the table (tablekit table delete).`,
    );
  }
}

export interface EnsureResult {
  tableName: string;
  created: boolean;
  ttlEnabled: boolean;
}

export interface TableSummary {
  name: string;
  status: string | undefined;
  itemCount: number | undefined;
  arn: string | undefined;
  keySchema: string;
  globalSecondaryIndexes: { name: string; keySchema: string; status: string | undefined }[];
  stream: string;
  ttl: string;
}

const isNotFound = (error: unknown) => errorName(error) === 'ResourceNotFoundException';
const MAX_WAIT_SECONDS = 120;

async function describeOrUndefined(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const formatKeys = (keys: KeySchemaElement[] | undefined) => (keys ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');

/** Lists what differs between the live table and the definition (empty = compatible). */
export function compareTable(definition: TableLayout, live: TableDescription, tableName: string): string[] {
  const expected = definition.createTableInput(tableName);
  const differences: string[] = [];
  if (formatKeys(live.KeySchema) !== formatKeys(expected.KeySchema)) {
    differences.push(`primary key is ${formatKeys(live.KeySchema)}, expected ${formatKeys(expected.KeySchema)}`);
  }
  const liveTypes = new Map((live.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  for (const attribute of expected.AttributeDefinitions ?? []) {
    const type = liveTypes.get(attribute.AttributeName);
    if (type !== undefined && type !== attribute.AttributeType)
      differences.push(`attribute ${attribute.AttributeName} has type ${type}, expected ${attribute.AttributeType}`);
  }
  const liveIndexes = new Map((live.GlobalSecondaryIndexes ?? []).map((gsi) => [gsi.IndexName, gsi]));
  for (const gsi of expected.GlobalSecondaryIndexes ?? []) {
    const found = liveIndexes.get(gsi.IndexName);
    if (!found) differences.push(`index ${gsi.IndexName} is missing`);
    else if (formatKeys(found.KeySchema) !== formatKeys(gsi.KeySchema)) {
      differences.push(`index ${gsi.IndexName} keys are ${formatKeys(found.KeySchema)}, expected ${formatKeys(gsi.KeySchema)}`);
    } else if (found.Projection?.ProjectionType !== 'ALL') differences.push(`index ${gsi.IndexName} does not project ALL attributes`);
  }
  const wantedStream = expected.StreamSpecification?.StreamViewType;
  const liveStream = live.StreamSpecification?.StreamEnabled ? live.StreamSpecification.StreamViewType : undefined;
  if (wantedStream && liveStream !== wantedStream) differences.push(`stream is ${liveStream ?? 'disabled'}, expected ${wantedStream}`);
  return differences;
}

async function ensureTtl(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  const status = ttl?.TimeToLiveStatus;
  if ((status === 'ENABLED' || status === 'ENABLING') && ttl?.AttributeName === attribute) return;
  if (status === 'ENABLED' || status === 'ENABLING') {
    throw new TableMismatchError(tableName, [`TTL is on attribute ${ttl?.AttributeName}, expected ${attribute}`]);
  }
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: attribute } }));
  } catch (error) {
    // A concurrent ensure() enabled it first: fine if it is now on the right attribute.
    if (errorName(error) !== 'ValidationException') throw error;
    const after = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
    const enabled = after?.TimeToLiveStatus === 'ENABLED' || after?.TimeToLiveStatus === 'ENABLING';
    if (!enabled || after?.AttributeName !== attribute) throw error;
  }
}

/** Creates the table if missing, waits until ACTIVE and enables TTL; fails on a conflicting table. Idempotent. */
export async function ensureTable(client: DynamoDBClient, definition: TableLayout, tableName = definition.name): Promise<EnsureResult> {
  let live = await describeOrUndefined(client, tableName);
  let created = false;
  if (!live) {
    try {
      await client.send(new CreateTableCommand(definition.createTableInput(tableName)));
      created = true;
    } catch (error) {
      // Another process created it first: fall through to the comparison.
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
  }
  if (created || live?.TableStatus !== 'ACTIVE') {
    await waitUntilTableExists({ client, maxWaitTime: MAX_WAIT_SECONDS, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
    live = await describeOrUndefined(client, tableName);
  }
  if (!live) throw new Error(`Table '${tableName}' disappeared while being created`);
  const differences = compareTable(definition, live, tableName);
  if (differences.length > 0) throw new TableMismatchError(tableName, differences);
  if (definition.ttlAttribute) await ensureTtl(client, tableName, definition.ttlAttribute);
  return { tableName, created, ttlEnabled: definition.ttlAttribute !== undefined };
}

/** Deletes the table and waits until it is gone; false when it did not exist. */
export async function deleteTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  await waitUntilTableNotExists({ client, maxWaitTime: MAX_WAIT_SECONDS, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  return true;
}

/** A readable summary of the live table, or undefined when it does not exist. */
export async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableSummary | undefined> {
  const live = await describeOrUndefined(client, tableName);
  if (!live) return undefined;
  const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  return {
    name: tableName,
    status: live.TableStatus,
    itemCount: live.ItemCount,
    arn: live.TableArn,
    keySchema: formatKeys(live.KeySchema),
    globalSecondaryIndexes: (live.GlobalSecondaryIndexes ?? []).map((gsi) => ({
      name: gsi.IndexName ?? '',
      keySchema: formatKeys(gsi.KeySchema),
      status: gsi.IndexStatus,
    })),
    stream: live.StreamSpecification?.StreamEnabled ? (live.StreamSpecification.StreamViewType ?? 'enabled') : 'disabled',
    ttl: ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING' ? `${ttl.AttributeName} (${ttl.TimeToLiveStatus})` : 'disabled',
  };
}

/** Names of every table the connection can see. */
export async function listTables(client: DynamoDBClient): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListTables({ client }, {})) names.push(...(page.TableNames ?? []));
  return names;
}
