/**
 * ChangeLog against DynamoDB Local: gapless per-project sequences under concurrent writers with a
 * concurrent reader, project isolation by key, appendMany splitting, outdatedBy, history, latest,
 * stats and all-or-nothing validation.
 */
import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { RepositoryError } from '../../src/index.ts';
import { openStore, type Store } from '../../entities/index.ts';
import { uniqueTableName } from '../support/db.ts';
import { addMiddleware, isolatedStore, type AnyRecord } from './support.ts';

type ChangeInput = Parameters<Store['changeLog']['append']>[1];
type StoredChange = Awaited<ReturnType<Store['changeLog']['append']>>;

let store: Store;
let tableName: string;

test.before(async () => {
  tableName = uniqueTableName('svc-change-log');
  store = await openStore({ tableName });
});

test.after.always(async () => {
  if (!store) return;
  await store.table.delete();
  await store.close();
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const project = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

function change(entityType: string, entityId: string, operation: ChangeInput['operation'], data: AnyRecord = {}): ChangeInput {
  return { entityType, entityId, operation, data };
}

/** Every change of a project in seq order, read through paginate (small pages so cursors are followed). */
async function allChanges(projectId: string, pageSize = 100): Promise<StoredChange[]> {
  const result: StoredChange[] = [];
  for await (const page of store.changeLog.paginate(projectId, 0, { pageSize })) result.push(...page);
  return result;
}



async function rejection(t: ExecutionContext, run: () => Promise<unknown>, code: RepositoryError['code']): Promise<RepositoryError> {
  const error = await t.throwsAsync(async () => run(), { instanceOf: RepositoryError });
  if (!error) throw new Error('expected a RepositoryError');
  t.is(error.code, code, error.message);
  return error;
}

/** For every entity, each change but the last is outdated by the next change of that entity; the last by none. */
function assertOutdatedChains(t: ExecutionContext, changes: readonly StoredChange[]): void {
  const byEntity = new Map<string, StoredChange[]>();
  for (const item of changes) {
    const key = JSON.stringify([item.entityType, item.entityId]);
    byEntity.set(key, [...(byEntity.get(key) ?? []), item]);
  }
  const wrong: string[] = [];
  for (const [key, list] of byEntity) {
    list.sort((a, b) => a.seq - b.seq);
    list.forEach((item, index) => {
      const expected = list[index + 1]?.seq;
      if (item.outdatedBy !== expected) wrong.push(`${key} seq ${item.seq}: outdatedBy ${item.outdatedBy}, expected ${expected}`);
    });
  }
  t.deepEqual(wrong.slice(0, 10), [], `${wrong.length} changes with a wrong outdatedBy`);
}

test('8 concurrent writers × 100 appends with a concurrent reader: seqs 1..800, the reader sees every seq once, in order, without holes', async (t) => {
  const projectId = project('concurrent');
  const WRITERS = 8;
  const PER_WRITER = 100;
  const TOTAL = WRITERS * PER_WRITER;
  const ENTITIES = 10;

  let writersDone = false;
  const returnedByWriter: number[][] = range(1, WRITERS).map(() => []);
  const writers = Promise.allSettled(
    range(0, WRITERS - 1).map(async (writer) => {
      for (let index = 0; index < PER_WRITER; index++) {
        const stored = await store.changeLog.append(projectId, change('doc', `doc-${index % ENTITIES}`, index === 0 ? 'create' : 'update', { writer, index }));
        returnedByWriter[writer]?.push(stored.seq);
      }
    }),
  ).finally(() => {
    writersDone = true;
  });

  // The reader: since(lastSeen), following cursors, until it has seen everything.
  const seen: number[] = [];
  let holes = 0;
  let notIncreasing = 0;
  let passes = 0;
  const reader = (async () => {
    let lastSeen = 0;
    while (seen.length < TOTAL) {
      const writersFinishedBeforePass = writersDone;
      const from = lastSeen;
      let cursor: string | undefined;
      let got = 0;
      passes++;
      do {
        const page = await store.changeLog.since(projectId, from, { limit: 40, ...(cursor ? { cursor } : {}) });
        for (const item of page.items) {
          if (item.seq <= lastSeen) notIncreasing++;
          else if (item.seq !== lastSeen + 1) holes++;
          seen.push(item.seq);
          lastSeen = Math.max(lastSeen, item.seq);
          got++;
        }
        cursor = page.cursor;
      } while (cursor);
      if (got === 0) {
        // Nothing new: stop only once the writers had finished before this pass began.
        if (writersFinishedBeforePass) break;
        await delay(20);
      }
    }
  })();

  const [results] = await Promise.all([writers, reader]);
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  t.deepEqual(
    failures.map((failure) => String(failure.reason)),
    [],
    'every writer finished',
  );

  // The reader: strictly increasing, no holes, all 800.
  t.is(notIncreasing, 0, 'the reader never saw a seq ≤ one it had already seen');
  t.is(holes, 0, 'the reader never skipped a seq');
  t.is(seen.length, TOTAL);
  t.deepEqual(seen, range(1, TOTAL));
  t.true(passes > 1, 'the reader read while the writers wrote');

  // Each writer got strictly increasing seqs; together exactly 1..800.
  for (const seqs of returnedByWriter) t.true(seqs.every((seq, index) => index === 0 || seq > (seqs[index - 1] as number)));
  t.deepEqual(returnedByWriter.flat().sort((a, b) => a - b), range(1, TOTAL));

  // The stored log: exactly 1..800, each writer's changes in its own order.
  const stored = await allChanges(projectId, 250);
  t.deepEqual(stored.map((item) => item.seq), range(1, TOTAL));
  for (let writer = 0; writer < WRITERS; writer++) {
    const indexes = stored.filter((item) => item.data.writer === writer).map((item) => item.data.index as number);
    t.deepEqual(indexes, range(0, PER_WRITER - 1), `writer ${writer}'s changes are in its order`);
  }
  // outdatedBy stays consistent under contention (the writers share 10 entities).
  assertOutdatedChains(t, stored);
  const latest = await store.changeLog.latest(projectId);
  t.is(latest.length, ENTITIES);
  const stats = await store.changeLog.stats(projectId);
  t.like(stats, { total: TOTAL, latestSeq: TOTAL, outdated: TOTAL - ENTITIES });
});

test('two projects appended to interleaved keep independent sequences', async (t) => {
  const alpha = project('alpha');
  const beta = project('beta');
  const returned: Record<string, number[]> = { [alpha]: [], [beta]: [] };
  // Alternating single appends, then both projects at the same time, then an appendMany on one.
  for (let index = 0; index < 5; index++) {
    for (const projectId of [alpha, beta]) returned[projectId]?.push((await store.changeLog.append(projectId, change('doc', 'd', 'update', { projectId, index }))).seq);
  }
  await Promise.all(
    [alpha, beta].map(async (projectId) => {
      for (let index = 5; index < 10; index++) returned[projectId]?.push((await store.changeLog.append(projectId, change('doc', 'd', 'update', { projectId, index }))).seq);
    }),
  );
  const many = await store.changeLog.appendMany(alpha, range(10, 14).map((index) => change('doc', 'd', 'update', { projectId: alpha, index })));
  returned[alpha]?.push(...many.map((item) => item.seq));

  t.deepEqual(returned[alpha], range(1, 15));
  t.deepEqual(returned[beta], range(1, 10));
  for (const [projectId, count] of [
    [alpha, 15],
    [beta, 10],
  ] as const) {
    const stored = await allChanges(projectId, 4);
    t.deepEqual(stored.map((item) => item.seq), range(1, count));
    t.true(stored.every((item) => item.projectId === projectId && item.data.projectId === projectId));
    t.deepEqual(stored.map((item) => item.data.index), range(0, count - 1));
    t.like(await store.changeLog.stats(projectId), { total: count, latestSeq: count });
  }
});

test("projectIds such as 'a#b', 'p1$', 'a', 'p1' and 'P1' never see each other's changes", async (t) => {
  // Bare ids on purpose: this table is private to this file and only this test uses them.
  const projects = ['a#b', 'p1$', 'a', 'p1', 'P1', 'a#', 'b'];
  // A different number of changes per project, all on the same entity type and id.
  await Promise.all(
    projects.map(async (projectId, index) => {
      for (let n = 0; n <= index; n++) await store.changeLog.append(projectId, change('doc', 'shared', n === 0 ? 'create' : 'update', { projectId, n }));
    }),
  );
  for (const [index, projectId] of projects.entries()) {
    const count = index + 1;
    const stored = await allChanges(projectId, 2);
    t.deepEqual(stored.map((item) => item.seq), range(1, count), `${projectId}: its own seqs only`);
    t.true(stored.every((item) => item.projectId === projectId && item.data.projectId === projectId), `${projectId}: only its own changes`);

    const history = await store.changeLog.history(projectId, 'doc', 'shared');
    t.deepEqual(history.items.map((item) => [item.projectId, item.seq]), range(1, count).map((seq) => [projectId, seq]), `${projectId}: history`);

    const latest = await store.changeLog.latest(projectId);
    t.deepEqual(latest.map((item) => [item.projectId, item.seq, item.data.projectId]), [[projectId, count, projectId]], `${projectId}: latest`);
    t.like(await store.changeLog.stats(projectId), { total: count, latestSeq: count, outdated: count - 1 }, `${projectId}: stats`);
  }
});

test('a projectId that could forge another key is rejected before anything is written', async (t) => {
  const forged = `x#entityType_doc-${randomUUID().slice(0, 8)}`;
  await rejection(t, () => store.changeLog.append(forged, change('doc', 'd', 'create')), 'validation');
  await rejection(t, () => store.changeLog.since(forged, 0), 'validation');
  const sequences = await store.sequences.getMany([forged]);
  t.is(sequences.items.length, 0);
});

test('appendMany of 250 changes is split into consecutive, gapless transactions of ≤ 100 items, in input order', async (t) => {
  const own = await isolatedStore(t, tableName);
  const transactions: AnyRecord[][] = [];
  addMiddleware(own, 'recordTransactions', (next, context) => async (args) => {
    if (context.commandName === 'TransactWriteItemsCommand') transactions.push(args.input.TransactItems as AnyRecord[]);
    return next(args);
  });
  const projectId = project('many');
  await store.changeLog.append(projectId, change('doc', 'e-0', 'create', { before: true }));

  const inputs = range(0, 249).map((index) => change('doc', `e-${index % 7}`, 'update', { index }));
  const appended = await own.changeLog.appendMany(projectId, inputs);

  t.deepEqual(appended.map((item) => item.seq), range(2, 251));
  t.deepEqual(appended.map((item) => item.data.index), range(0, 249), 'returned in input order');
  const stored = await allChanges(projectId, 60);
  t.deepEqual(stored.map((item) => item.seq), range(1, 251));
  t.deepEqual(stored.slice(1).map((item) => item.data.index), range(0, 249), 'stored in input order');

  // Each transaction: ≤ 100 items, a contiguous run of seqs, and the sequence moved to its last seq.
  t.true(transactions.length >= 3, `${transactions.length} transactions`);
  let expectedNext = 2;
  for (const items of transactions) {
    t.true(items.length <= 100, `${items.length} items in one transaction`);
    const puts = items.map((item) => (item.Put as { Item?: AnyRecord } | undefined)?.Item).filter((item): item is AnyRecord => item !== undefined);
    const seqs = puts.filter((item) => item.__edb_e__ === 'change').map((item) => item.seq as number);
    t.true(seqs.length > 0);
    t.deepEqual(seqs, range(expectedNext, expectedNext + seqs.length - 1), 'contiguous seqs continuing the previous transaction');
    const sequence = puts.find((item) => item.__edb_e__ === 'sequence');
    t.is(sequence?.value, expectedNext + seqs.length - 1, 'the sequence moves to the last seq of the transaction');
    expectedNext += seqs.length;
  }
  t.is(expectedNext, 252);
  t.true(
    transactions.slice(0, -1).every((items) => items.length >= 95),
    `every transaction but the last is filled (${transactions.map((items) => items.length).join(', ')} items)`,
  );
  assertOutdatedChains(t, stored);
  t.like(await store.changeLog.stats(projectId), { total: 251, latestSeq: 251, outdated: 251 - 7 });
});

test('outdatedBy, history, latest and stats follow each entity across appendMany and append', async (t) => {
  const projectId = project('outdated');
  const batch = await store.changeLog.appendMany(projectId, [
    change('doc', 'A', 'create', { v: 1 }), // 1
    change('doc', 'B', 'create', { v: 1 }), // 2
    change('doc', 'A', 'update', { v: 2 }), // 3
    change('task', 'A', 'create', { v: 1 }), // 4: same id, other type: another entity
    change('doc', 'A', 'update', { v: 3 }), // 5
  ]);
  t.deepEqual(batch.map((item) => item.seq), [1, 2, 3, 4, 5]);
  t.deepEqual(batch.map((item) => item.outdatedBy), [3, undefined, 5, undefined, undefined], 'outdatedBy within one appendMany');
  const deleted = await store.changeLog.append(projectId, change('doc', 'A', 'delete', { v: 4 })); // 6
  const updated = await store.changeLog.append(projectId, change('doc', 'B', 'update', { v: 2 })); // 7
  t.is(deleted.seq, 6);
  t.is(updated.seq, 7);
  t.is(updated.outdatedBy, undefined);

  const stored = await allChanges(projectId);
  t.deepEqual(
    stored.map((item) => [item.seq, item.outdatedBy]),
    [
      [1, 3],
      [2, 7],
      [3, 5],
      [4, undefined],
      [5, 6],
      [6, undefined],
      [7, undefined],
    ],
  );
  t.true(stored.every((item) => !Number.isNaN(Date.parse(item.timestamp))), 'every change has a timestamp');

  // history: one entity, in seq order; desc and paging work too.
  const historyA = await store.changeLog.history(projectId, 'doc', 'A');
  t.deepEqual(historyA.items.map((item) => item.seq), [1, 3, 5, 6]);
  t.deepEqual(historyA.items.map((item) => item.data.v), [1, 2, 3, 4]);
  t.deepEqual((await store.changeLog.history(projectId, 'task', 'A')).items.map((item) => item.seq), [4]);
  t.deepEqual((await store.changeLog.history(projectId, 'doc', 'B')).items.map((item) => item.seq), [2, 7]);
  t.deepEqual((await store.changeLog.history(projectId, 'doc', 'A', { order: 'desc' })).items.map((item) => item.seq), [6, 5, 3, 1]);
  const first = await store.changeLog.history(projectId, 'doc', 'A', { limit: 3 });
  t.deepEqual(first.items.map((item) => item.seq), [1, 3, 5]);
  t.truthy(first.cursor);
  const rest = await store.changeLog.history(projectId, 'doc', 'A', { limit: 3, ...(first.cursor ? { cursor: first.cursor } : {}) });
  t.deepEqual(rest.items.map((item) => item.seq), [6]);
  t.deepEqual((await store.changeLog.history(projectId, 'doc', 'missing')).items, []);

  // latest: exactly one change, the newest, per entity; includeOutdated: every change.
  const latest = await store.changeLog.latest(projectId);
  t.deepEqual(
    latest.map((item) => [item.entityType, item.entityId, item.seq, item.operation]).sort((a, b) => (a[2] as number) - (b[2] as number)),
    [
      ['task', 'A', 4, 'create'],
      ['doc', 'A', 6, 'delete'],
      ['doc', 'B', 7, 'update'],
    ],
  );
  t.true(latest.every((item) => item.outdatedBy === undefined));
  t.deepEqual((await store.changeLog.latest(projectId, { includeOutdated: true })).map((item) => item.seq), range(1, 7));
  t.deepEqual(await store.changeLog.latest(project('empty')), []);

  t.deepEqual(await store.changeLog.stats(projectId), {
    total: 7,
    latestSeq: 7,
    outdated: 4,
    byEntityType: { doc: 6, task: 1 },
    byOperation: { create: 3, update: 3, delete: 1 },
  });
  t.deepEqual(await store.changeLog.stats(project('empty')), { total: 0, latestSeq: 0, outdated: 0, byEntityType: {}, byOperation: {} });
});

test('a batch with one invalid change is rejected whole: validation at its index, nothing written, sequence unmoved', async (t) => {
  const projectId = project('invalid');
  await store.changeLog.appendMany(projectId, [change('doc', 'A', 'create'), change('doc', 'B', 'create')]);

  const bad = [change('doc', 'A', 'update'), change('doc', 'C', 'create'), { ...change('doc', 'D', 'create'), operation: 'explode' } as unknown as ChangeInput, change('doc', 'E', 'create')];
  const error = await rejection(t, () => store.changeLog.appendMany(projectId, bad), 'validation');
  t.true(error.issues.length > 0);
  t.true(error.issues.every((issue) => issue.path[0] === 2), JSON.stringify(error.issues));
  t.true(error.issues.some((issue) => issue.path[1] === 'operation'), JSON.stringify(error.issues));

  t.deepEqual((await store.changeLog.since(projectId, 2)).items, [], 'nothing after seq 2');
  t.like(await store.changeLog.stats(projectId), { total: 2, latestSeq: 2, outdated: 0 });
  t.deepEqual((await store.changeLog.history(projectId, 'doc', 'A')).items.map((item) => item.seq), [1], 'the valid change of A before the bad one was not written');

  // Data that is not an object, at index 0 of a new project: nothing at all, not even a sequence item.
  const fresh = project('invalid-fresh');
  const second = await rejection(t, () => store.changeLog.appendMany(fresh, [{ ...change('doc', 'A', 'create'), data: 'not an object' } as unknown as ChangeInput, change('doc', 'B', 'create')]), 'validation');
  t.true(second.issues.every((issue) => issue.path[0] === 0), JSON.stringify(second.issues));
  t.deepEqual((await store.changeLog.since(fresh, 0)).items, []);
  t.is((await store.sequences.getMany([fresh])).items.length, 0, 'no sequence item was created');

  // The log still works afterwards and continues without a gap.
  t.is((await store.changeLog.append(projectId, change('doc', 'C', 'create'))).seq, 3);
});

test('since pages in seq order with a cursor and rejects a negative or fractional seq', async (t) => {
  const projectId = project('since');
  await store.changeLog.appendMany(projectId, range(1, 12).map((index) => change('doc', `d${index}`, 'create', { index })));

  const first = await store.changeLog.since(projectId, 4, { limit: 5 });
  t.deepEqual(first.items.map((item) => item.seq), [5, 6, 7, 8, 9]);
  t.truthy(first.cursor);
  const second = await store.changeLog.since(projectId, 4, { limit: 5, ...(first.cursor ? { cursor: first.cursor } : {}) });
  t.deepEqual(second.items.map((item) => item.seq), [10, 11, 12]);
  t.deepEqual((await store.changeLog.since(projectId, 12)).items, []);
  t.deepEqual((await store.changeLog.since(projectId, 0)).items.map((item) => item.seq), range(1, 12));

  const pages: number[][] = [];
  for await (const page of store.changeLog.paginate(projectId, 3, { pageSize: 4 })) pages.push(page.map((item) => item.seq));
  t.deepEqual(pages.flat(), range(4, 12));
  t.true(pages.every((page) => page.length <= 4));

  // An empty batch writes nothing, not even a sequence item.
  const empty = project('since-empty');
  t.deepEqual(await store.changeLog.appendMany(empty, []), []);
  t.is((await store.sequences.getMany([empty])).items.length, 0);

  for (const seq of [-1, -100, 1.5, Number.NaN]) {
    const error = await rejection(t, async () => store.changeLog.since(projectId, seq), 'validation');
    t.regex(error.message, /seq/);
  }
});
