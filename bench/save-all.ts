import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { Connection } from 'tablekit';
import { UserTable } from './tables.ts';
import { newUser, rawItem, type UserInput } from './contenders.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A tuned hand-written bulk loader: 25 per request, 8 requests in flight, unprocessed items retried with backoff. */
async function rawBatchWrite(connection: Connection, tableName: string, items: UserInput[]) {
  const requests = items.map((item) => ({ PutRequest: { Item: rawItem(item) } }));
  const limit = pLimit(8);
  const chunks: (typeof requests)[] = [];
  for (let index = 0; index < requests.length; index += 25) chunks.push(requests.slice(index, index + 25));
  await Promise.all(
    chunks.map((chunk) =>
      limit(async () => {
        let pending = chunk;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempt));
          const result = await connection.doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
          pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
        }
      }),
    ),
  );
}

async function countItems(connection: Connection, tableName: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await connection.doc.send(new ScanCommand({ TableName: tableName, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** C: saveAll vs the raw loop, each round on fresh tables, contenders alternating; verifies every item landed. */
export async function saveAllRound(connection: Connection, rounds: number, count: number) {
  const rates: Record<string, number[]> = { 'raw BatchWrite loop': [], 'tablekit saveAll': [] };
  const contenders: Record<string, (tableName: string, items: UserInput[]) => Promise<unknown>> = {
    'raw BatchWrite loop': (tableName, items) => rawBatchWrite(connection, tableName, items),
    'tablekit saveAll': (tableName, items) => UserTable.bind(connection, { tableName }).entities.user.saveAll(items, { concurrency: 8 }),
  };
  for (let round = 0; round < rounds; round++) {
    const names = round % 2 === 0 ? Object.keys(contenders) : Object.keys(contenders).reverse();
    for (const name of names) {
      const table = UserTable.bind(connection, { tableName: `bench-bulk-${round}-${name.replace(/\W+/g, '-')}-${Date.now()}` });
      await table.ensure();
      const items = Array.from({ length: count }, newUser);
      const started = performance.now();
      await contenders[name]!(table.tableName, items);
      const seconds = (performance.now() - started) / 1000;
      const stored = await countItems(connection, table.tableName);
      if (stored !== count) throw new Error(`${name} stored ${stored} of ${count} items`);
      rates[name]!.push(count / seconds);
      await table.delete();
    }
  }
  return { count, rates };
}
