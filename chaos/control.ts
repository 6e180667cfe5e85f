/**
 * The control: the raw SDK (no tablekit) writing to its own table on the same DynamoDB Local,
 * through the same pauses and kills but without injected faults. What it loses, the emulator
 * lost: DynamoDB Local does not promise that an acknowledged write survives kill -9.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand, TransactWriteItemsCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';

export interface ControlReport {
  puts: { acknowledged: number; lost: number };
  transactions: { acknowledged: number; lost: number };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startControl(endpoint: string, until: () => boolean): Promise<() => Promise<ControlReport>> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { requestTimeout: 3_000, connectionTimeout: 1_000, throwOnRequestTimeout: true },
  });
  const TableName = `chaos-control-${Date.now()}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  const acknowledged = { puts: [] as string[], transactions: [] as string[] };
  let next = 0;
  const writer = async () => {
    while (!until()) {
      const id = `c${next++}`;
      try {
        if (next % 2 === 0) {
          await client.send(new PutItemCommand({ TableName, Item: { pk: { S: id } } }));
          acknowledged.puts.push(id);
        } else {
          await client.send(
            new TransactWriteItemsCommand({
              TransactItems: [{ Put: { TableName, Item: { pk: { S: id } } } }, { Put: { TableName, Item: { pk: { S: `${id}-pair` } } } }],
            }),
          );
          acknowledged.transactions.push(id);
        }
      } catch {
        await sleep(100);
      }
    }
  };
  const running = writer();
  return async () => {
    await running;
    const stored = new Set<string>();
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
      for (const item of page.Items ?? []) if (item.pk?.S) stored.add(item.pk.S);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    client.destroy();
    const lost = (ids: string[]) => ids.filter((id) => !stored.has(id)).length;
    return {
      puts: { acknowledged: acknowledged.puts.length, lost: lost(acknowledged.puts) },
      transactions: { acknowledged: acknowledged.transactions.length, lost: lost(acknowledged.transactions) },
    };
  };
}
