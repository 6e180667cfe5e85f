import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { BatchPutRequest, BatchWriteCommand as ToolboxBatchWrite, executeBatchWrite } from 'dynamodb-toolbox';
import pLimit from 'p-limit';
import type { Connection } from 'tablekit';
import { contenderNames, type ContenderName, fullItem, type LooseElectro, newUser, rawItem, type UserInput } from './contenders.ts';
import { oneTableUsers, toolboxUsers } from './peers.ts';
import { UserTable } from './tables.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const IN_FLIGHT = 8;

function chunks<T>(items: readonly T[], size = 25): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

/** A tuned hand-written bulk loader: 25 per request, 8 requests in flight, unprocessed items retried with backoff. */
async function rawBatchWrite(connection: Connection, tableName: string, items: UserInput[]) {
  const limit = pLimit(IN_FLIGHT);
  await Promise.all(
    chunks(items.map((item) => ({ PutRequest: { Item: rawItem(item) } }))).map((chunk) =>
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

/** Each library's own bulk write, 25 items per BatchWriteItem and 8 requests in flight (its unprocessed items retried its way). */
function bulkWriters(connection: Connection): Record<ContenderName, (tableName: string, items: UserInput[]) => Promise<unknown>> {
  return {
    'raw DocumentClient': (tableName, items) => rawBatchWrite(connection, tableName, items),
    'ElectroDB .go()': async (tableName, items) => {
      const electro = UserTable.bind(connection, { tableName }).electro.entities.user as unknown as LooseElectro;
      let pending = items;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempt));
        const { unprocessed } = (await electro.put(pending.map(fullItem)).go({ concurrent: IN_FLIGHT })) as unknown as { unprocessed: { userId: string }[] };
        const left = new Set(unprocessed.map((key) => key.userId));
        pending = pending.filter((item) => left.has(item.userId));
      }
    },
    'dynamodb-toolbox 2': async (tableName, items) => {
      const { table, users } = toolboxUsers(connection.doc, tableName);
      const limit = pLimit(IN_FLIGHT);
      await Promise.all(
        chunks(items).map((chunk) =>
          limit(() =>
            executeBatchWrite({ maxAttempts: 10 }, table.build(ToolboxBatchWrite).requests(...chunk.map((item) => users.build(BatchPutRequest).item(item)))),
          ),
        ),
      );
    },
    'OneTable 2': async (tableName, items) => {
      const { table, users } = oneTableUsers(connection.client, tableName);
      const limit = pLimit(IN_FLIGHT);
      await Promise.all(
        chunks(items).map((chunk) =>
          limit(async () => {
            const batch = {};
            for (const item of chunk) await users.create(item, { batch });
            await table.batchWrite(batch);
          }),
        ),
      );
    },
    'tablekit entity API': (tableName, items) => UserTable.bind(connection, { tableName }).entities.user.saveAll(items, { concurrency: IN_FLIGHT }),
  };
}

export async function countItems(connection: Connection, tableName: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await connection.doc.send(new ScanCommand({ TableName: tableName, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** C: each contender's bulk write into a fresh table per round, order rotating; every item counted afterwards. */
export async function bulkRounds(connection: Connection, rounds: number, count: number) {
  const writers = bulkWriters(connection);
  const rates: Record<string, number[]> = Object.fromEntries(contenderNames.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < contenderNames.length; turn++) {
      const name = contenderNames[(turn + round) % contenderNames.length] as ContenderName;
      const table = UserTable.bind(connection, { tableName: `bench-bulk-${round}-${turn}-${Date.now()}` });
      await table.ensure();
      const items = Array.from({ length: count }, newUser);
      const started = performance.now();
      await writers[name](table.tableName, items);
      const seconds = (performance.now() - started) / 1000;
      const stored = await countItems(connection, table.tableName);
      if (stored !== count) throw new Error(`${name} stored ${stored} of ${count} items`);
      rates[name]?.push(count / seconds);
      await table.delete();
    }
  }
  return { count, rates };
}
