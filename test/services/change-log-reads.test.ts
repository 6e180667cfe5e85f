/** The change log's reads: since(k) as a sort-key condition, and the requests behind reads and retried appends. */
import test from 'ava';
import { backends } from '../support/db.ts';
import { allChanges, change, project, sequenceOf } from './change-log-support.ts';
import { addMiddleware, isolatedStore, range, recordCommands, rejection, useBackendStores } from './support.ts';

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

test('[dynamodb] since sends ONE consistent Query whose key condition is the seq range, without a filter', async (t) => {
  const store = storeOf('dynamodb');
  const projectId = project('since-query');
  await store.changeLog.appendMany(
    projectId,
    range(1, 12).map((index) => change('doc', `d${index}`, 'create')),
  );
  const own = await isolatedStore(t, store.table.tableName);
  const seen = recordCommands(own);
  t.deepEqual(
    (await own.changeLog.since(projectId, 10)).items.map((item) => item.seq),
    [11, 12],
  );
  t.deepEqual(
    seen.map((command) => command.name),
    ['QueryCommand'],
  );
  const input = seen[0]?.input ?? {};
  t.is(input.ConsistentRead, true);
  t.is(input.FilterExpression, undefined);
  t.regex(String(input.KeyConditionExpression), /(>|BETWEEN)/, String(input.KeyConditionExpression));
});

test('[dynamodb] an append that reads the sequence, then heads moved by another append, retries instead of failing', async (t) => {
  // The sequence and the heads are two reads: another append can commit between them. Its head
  // then points past the sequence that was read (regression: the retry planned a transaction that
  // touched that change twice and failed with validation).
  const store = storeOf('dynamodb');
  const projectId = project('between-reads');
  await store.changeLog.append(projectId, change('doc', 'A', 'create'));
  const own = await isolatedStore(t, store.table.tableName);
  let batchGets = 0;
  addMiddleware(own, 'appendBetweenReads', (next, context) => async (args) => {
    // The second BatchGetItem of the first attempt is the heads read: another writer commits first.
    if (context.commandName === 'BatchGetItemCommand' && ++batchGets === 2)
      await store.changeLog.append(projectId, change('doc', 'A', 'update', { by: 'other' }));
    return next(args);
  });
  const appended = await own.changeLog.append(projectId, change('doc', 'A', 'update', { by: 'own' }));
  t.is(appended.seq, 3);
  t.true(own.changeLog.counters.conflicts >= 1, 'the moved log was detected and retried');
  const stored = await allChanges(store, projectId);
  t.deepEqual(
    stored.map((item) => [item.seq, item.data.by, item.outdatedBy]),
    [
      [1, undefined, 2],
      [2, 'other', 3],
      [3, 'own', undefined],
    ],
  );
});
