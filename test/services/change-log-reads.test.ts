/** The change log's reads: since(k) as a sort-key condition, and the requests behind reads and retried appends. */
import test from 'ava';
import { backends } from '../support/db.ts';
import { allChanges, change, project, sequenceOf } from './change-log-support.ts';
import { addMiddleware, isolatedStore, range, recordCommands, rejection, useBackendStores, type AnyRecord } from './support.ts';

const { storeOf } = useBackendStores('svc-change-log-reads');

for (const backend of backends) {
  const title = (name: string) => `[${backend}] ${name}`;

  test(title('since(k) is a sort-key condition: limit counts changes after k, pages follow cursors, bad seqs are validation'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('since');
    await store.changeLog.appendMany(
      projectId,
      range(1, 30).map((index) => change('doc', `d${index}`, 'create', { index })),
    );

    // A filter would read the first 5 changes (seqs 1..5) and drop them all; a key condition reads 21..25.
    const first = await store.changeLog.since(projectId, 20, { limit: 5 });
    t.deepEqual(
      first.items.map((item) => item.seq),
      range(21, 25),
    );
    t.truthy(first.cursor);
    const second = await store.changeLog.since(projectId, 20, { limit: 5, ...(first.cursor ? { cursor: first.cursor } : {}) });
    t.deepEqual(
      second.items.map((item) => item.seq),
      range(26, 30),
    );
    t.deepEqual((await store.changeLog.since(projectId, 30)).items, []);
    t.deepEqual(
      (await store.changeLog.since(projectId, 0)).items.map((item) => item.seq),
      range(1, 30),
    );
    // Seqs are numbers, not strings: 9 < 10 < 100 (keys are zero-padded).
    t.deepEqual(
      (await store.changeLog.since(projectId, 9, { limit: 2 })).items.map((item) => item.seq),
      [10, 11],
    );

    const pages: number[][] = [];
    for await (const page of store.changeLog.paginate(projectId, 23, { pageSize: 3 })) pages.push(page.map((item) => item.seq));
    t.deepEqual(pages, [[24, 25, 26], [27, 28, 29], [30]]);

    const empty = project('since-empty');
    t.deepEqual(await store.changeLog.appendMany(empty, []), []);
    t.is(await sequenceOf(store, empty), undefined, 'an empty batch writes nothing, not even a sequence item');
    for (const seq of [-1, 1.5, Number.NaN]) t.regex((await rejection(t, async () => store.changeLog.since(projectId, seq), 'validation')).message, /seq/i);
  });
}

// --- DynamoDB only: the requests sent --------------------------------------------------------------

test('[dynamodb] since sends ONE consistent Query on the seq range without a filter, then one consistent BatchGetItem of the links items', async (t) => {
  const store = storeOf('dynamodb');
  const projectId = project('since-query');
  await store.changeLog.appendMany(
    projectId,
    range(1, 12).map((index) => change('doc', `d${index}`, 'create')),
  );
  await store.changeLog.append(projectId, change('doc', 'd11', 'update'));
  const own = await isolatedStore(t, store.table.tableName);
  const seen = recordCommands(own);
  t.deepEqual(
    (await own.changeLog.since(projectId, 10)).items.map((item) => [item.seq, item.outdatedBy]),
    [
      [11, 13],
      [12, undefined],
      [13, undefined],
    ],
  );
  t.deepEqual(
    seen.map((command) => command.name),
    ['QueryCommand', 'BatchGetItemCommand'],
  );
  const input = seen[0]?.input ?? {};
  t.is(input.ConsistentRead, true);
  t.is(input.FilterExpression, undefined);
  t.regex(String(input.KeyConditionExpression), /(>|BETWEEN)/, String(input.KeyConditionExpression));
  const links = Object.values((seen[1]?.input.RequestItems ?? {}) as Record<string, { Keys: AnyRecord[]; ConsistentRead?: boolean }>);
  t.is(links[0]?.ConsistentRead, true);
  t.deepEqual(
    links[0]?.Keys.map((key) => String(key.sk)),
    ['$changeLinks_1#bucket_0000000000000000'],
    'one links item covers seqs 0..99',
  );
});

test('[dynamodb] another process appending between our read and our transaction: the transaction fails on the sequence and is retried', async (t) => {
  // `store` plays the other process: its own ChangeLog and client, the same table.
  const store = storeOf('dynamodb');
  const projectId = project('between');
  await store.changeLog.append(projectId, change('doc', 'A', 'create'));
  const own = await isolatedStore(t, store.table.tableName);
  let transactions = 0;
  addMiddleware(own, 'appendBeforeOurTransaction', (next, context) => async (args) => {
    if (context.commandName === 'TransactWriteItemsCommand' && ++transactions === 1)
      await store.changeLog.append(projectId, change('doc', 'A', 'update', { by: 'other' }));
    return next(args);
  });
  const appended = await own.changeLog.append(projectId, change('doc', 'A', 'update', { by: 'own' }));
  t.is(appended.seq, 3);
  t.is(own.changeLog.counters.conflicts, 1, 'the first attempt lost to the other writer');
  const stored = await allChanges(store, projectId);
  t.deepEqual(
    stored.map((item) => [item.seq, item.data.by, item.outdatedBy]),
    [
      [1, undefined, 2],
      [2, 'other', 3],
      [3, 'own', undefined],
    ],
  );
  t.deepEqual(
    (await store.changeLog.latest(projectId)).map((item) => item.seq),
    [3],
  );
});
