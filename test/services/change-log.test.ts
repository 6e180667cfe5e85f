/**
 * ChangeLog on DynamoDB Local and on the in-memory twin: gapless per-project sequences under
 * concurrent writers with a concurrent reader, project isolation by key, appendMany splitting,
 * outdatedBy, history, latest, stats, `since` as a sort-key condition, and all-or-nothing validation.
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import type { ChangeInput } from '../../src/services/index.ts';
import { backends } from '../support/db.ts';
import { addMiddleware, isolatedStore, useBackendStores, range, rejection, type AnyRecord } from './support.ts';
import { plainRequest } from '../support/plain-request.ts';

const { storeOf } = useBackendStores('svc-change-log');

import { allChanges, assertOutdatedChains, change, delay, project, sequenceOf } from './change-log-support.ts';

for (const backend of backends) {
  const title = (name: string) => `[${backend}] ${name}`;

  test(
    title('4 concurrent writers × 8 appends (some of two changes) with a concurrent reader: the reader sees every seq once, in order, without holes'),
    async (t) => {
      const store = storeOf(backend);
      const projectId = project('concurrent');
      const [WRITERS, PER_WRITER, ENTITIES] = [4, 8, 5];
      const TOTAL = WRITERS * PER_WRITER;

      let writersDone = false;
      const returnedByWriter: number[][] = range(1, WRITERS).map(() => []);
      const writers = Promise.allSettled(
        range(0, WRITERS - 1).map(async (writer) => {
          for (let index = 0; index < PER_WRITER; index++) {
            // Singles and small batches, so both append paths contend for the sequence.
            const batch = index % 4 === 3 ? [1, 2] : [1];
            const stored = await store.changeLog.appendMany(
              projectId,
              batch.map((part) => change('doc', `doc-${(index + part) % ENTITIES}`, 'update', { writer, index, part })),
            );
            returnedByWriter[writer]?.push(...stored.map((item) => item.seq));
          }
        }),
      ).finally(() => {
        writersDone = true;
      });
      const expected = WRITERS * (PER_WRITER + PER_WRITER / 4);

      // The reader: since(lastSeen), following cursors, until it has seen everything.
      const seen: number[] = [];
      let passes = 0;
      const reader = (async () => {
        let lastSeen = 0;
        for (;;) {
          const writersFinishedBeforePass = writersDone;
          const from = lastSeen;
          let cursor: string | undefined;
          let got = 0;
          passes++;
          do {
            const page = await store.changeLog.since(projectId, from, { limit: 7, ...(cursor ? { cursor } : {}) });
            for (const item of page.items) seen.push(item.seq);
            lastSeen = page.items.at(-1)?.seq ?? lastSeen;
            got += page.items.length;
            cursor = page.cursor;
          } while (cursor);
          if (got === 0) {
            // Nothing new: stop only once the writers had finished before this pass began.
            if (writersFinishedBeforePass) break;
            await delay(5);
          }
        }
      })();

      const [results] = await Promise.all([writers, reader]);
      t.deepEqual(
        results.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason)),
        [],
        'every writer finished',
      );
      t.true(expected > TOTAL);
      t.deepEqual(seen, range(1, expected), 'the reader saw every seq once, in order, without holes');
      t.true(passes > 1, 'the reader read while the writers wrote');

      // Each writer got strictly increasing seqs; together exactly 1..n.
      for (const seqs of returnedByWriter) t.true(seqs.every((seq, index) => index === 0 || seq > (seqs[index - 1] as number)));
      t.deepEqual(
        returnedByWriter.flat().sort((a, b) => a - b),
        range(1, expected),
      );

      const stored = await allChanges(store, projectId, 13);
      t.deepEqual(
        stored.map((item) => item.seq),
        range(1, expected),
      );
      for (let writer = 0; writer < WRITERS; writer++) {
        const mine = stored.filter((item) => item.data.writer === writer).map((item) => `${String(item.data.index)}.${String(item.data.part)}`);
        t.deepEqual(
          mine,
          range(0, PER_WRITER - 1).flatMap((index) => (index % 4 === 3 ? [`${index}.1`, `${index}.2`] : [`${index}.1`])),
          `writer ${writer}'s changes are in its order`,
        );
      }
      // outdatedBy and the heads stay consistent under contention (the writers share the entities).
      assertOutdatedChains(t, stored);
      t.deepEqual(
        (await store.changeLog.latest(projectId)).map((item) => item.entityId).sort(),
        range(0, ENTITIES - 1).map((index) => `doc-${index}`),
      );
      t.like(await store.changeLog.stats(projectId), { total: expected, latestSeq: expected, outdated: expected - ENTITIES });
    },
  );

  test(title('two projects appended to interleaved keep independent sequences'), async (t) => {
    const store = storeOf(backend);
    const [alpha, beta] = [project('alpha'), project('beta')];
    const returned = new Map<string, number[]>([
      [alpha, []],
      [beta, []],
    ]);
    const append = async (projectId: string, index: number) =>
      returned.get(projectId)?.push((await store.changeLog.append(projectId, change('doc', 'd', 'update', { projectId, index }))).seq);
    for (let index = 0; index < 3; index++) for (const projectId of [alpha, beta]) await append(projectId, index);
    await Promise.all(
      [alpha, beta].map(async (projectId) => {
        for (let index = 3; index < 6; index++) await append(projectId, index);
      }),
    );
    returned.get(alpha)?.push(
      ...(
        await store.changeLog.appendMany(
          alpha,
          range(6, 9).map((index) => change('doc', 'd', 'update', { projectId: alpha, index })),
        )
      ).map((item) => item.seq),
    );

    t.deepEqual(returned.get(alpha), range(1, 10));
    t.deepEqual(returned.get(beta), range(1, 6));
    for (const [projectId, count] of [
      [alpha, 10],
      [beta, 6],
    ] as const) {
      const stored = await allChanges(store, projectId, 4);
      t.deepEqual(
        stored.map((item) => item.seq),
        range(1, count),
      );
      t.true(stored.every((item) => item.projectId === projectId && item.data.projectId === projectId));
      t.deepEqual(
        stored.map((item) => item.data.index),
        range(0, count - 1),
      );
      t.like(await store.changeLog.stats(projectId), { total: count, latestSeq: count });
    }
  });

  test(title("projectIds such as 'a#b', 'p1$', 'a', 'p1' and 'P1' never see each other's changes"), async (t) => {
    const store = storeOf(backend);
    // Bare ids on purpose: this table is private to this file and only this test uses them.
    const projects = ['a#b', 'p1$', 'a', 'p1', 'P1', 'a#', 'b'];
    // Round-robin, one append at a time: the keys of one project must never reach another's.
    for (let n = 0; n < projects.length; n++) {
      for (const [index, projectId] of projects.entries())
        if (n <= index) await store.changeLog.append(projectId, change('doc', 'shared', n === 0 ? 'create' : 'update', { projectId, n }));
    }
    for (const [index, projectId] of projects.entries()) {
      const count = index + 1;
      const stored = await allChanges(store, projectId, 2);
      t.deepEqual(
        stored.map((item) => item.seq),
        range(1, count),
        `${projectId}: its own seqs only`,
      );
      t.true(
        stored.every((item) => item.projectId === projectId && item.data.projectId === projectId),
        `${projectId}: only its own changes`,
      );
      const history = await store.changeLog.history(projectId, 'doc', 'shared');
      t.deepEqual(
        history.items.map((item) => [item.projectId, item.seq]),
        range(1, count).map((seq) => [projectId, seq]),
        `${projectId}: history`,
      );
      const latest = await store.changeLog.latest(projectId);
      t.deepEqual(
        latest.map((item) => [item.projectId, item.seq, item.data.projectId]),
        [[projectId, count, projectId]],
        `${projectId}: latest`,
      );
      t.like(await store.changeLog.stats(projectId), { total: count, latestSeq: count, outdated: count - 1 }, `${projectId}: stats`);
    }
  });

  test(title('a projectId that could forge another key is rejected before anything is written'), async (t) => {
    const store = storeOf(backend);
    const forged = `x#entityType_doc-${randomUUID().slice(0, 8)}`;
    await rejection(t, () => store.changeLog.append(forged, change('doc', 'd', 'create')), 'validation');
    await rejection(t, () => store.changeLog.since(forged, 0), 'validation');
    t.is(await sequenceOf(store, forged), undefined);
  });

  test(title('appendMany of 250 changes: consecutive gapless transactions of ≤ 100 items, in input order, with outdatedBy chains across them'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('many');
    await store.changeLog.append(projectId, change('doc', 'e-0', 'create', { before: true }));
    // On DynamoDB the append goes through a store of its own that records its transactions.
    const writer = backend === 'dynamodb' ? await isolatedStore(t, store.table.tableName) : store;
    const transactions: AnyRecord[][] = [];
    if (backend === 'dynamodb') {
      addMiddleware(writer, 'recordTransactions', (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') transactions.push(plainRequest(args.input.TransactItems as AnyRecord[]));
        return next(args);
      });
    }
    const appended = await writer.changeLog.appendMany(
      projectId,
      range(0, 249).map((index) => change('doc', `e-${index % 7}`, 'update', { index })),
    );
    t.deepEqual(
      appended.map((item) => item.seq),
      range(2, 251),
    );
    t.deepEqual(
      appended.map((item) => item.data.index),
      range(0, 249),
      'returned in input order',
    );
    const stored = await allChanges(store, projectId, 60);
    t.deepEqual(
      stored.map((item) => item.seq),
      range(1, 251),
    );
    t.deepEqual(
      stored.slice(1).map((item) => item.data.index),
      range(0, 249),
      'stored in input order',
    );
    assertOutdatedChains(t, stored);
    t.like(await store.changeLog.stats(projectId), { total: 251, latestSeq: 251, outdated: 251 - 7 });
    if (backend === 'memory') return;

    // Each transaction: ≤ 100 items, a contiguous run of seqs continuing the previous one, the sequence moved with them.
    t.true(transactions.length >= 3, `${transactions.length} transactions`);
    let expectedNext = 2;
    for (const items of transactions) {
      t.true(items.length <= 100, `${items.length} items in one transaction`);
      const seqs = items
        .map((item) => (item.Put as { Item?: AnyRecord } | undefined)?.Item)
        .filter((item) => item?.__edb_e__ === 'change')
        .map((item) => item?.seq as number);
      t.deepEqual(seqs, range(expectedNext, expectedNext + seqs.length - 1));
      t.true(
        items.some((item) => JSON.stringify(item).includes('"sequence"')),
        'the sequence moves in the same transaction',
      );
      expectedNext += seqs.length;
    }
    t.is(expectedNext, 252);
    t.true(
      transactions.slice(0, -1).every((items) => items.length >= 95),
      `every transaction but the last is filled (${transactions.map((items) => items.length).join(', ')} items)`,
    );
  });

  test(title('outdatedBy, history, latest and stats follow each entity across appendMany and append'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('outdated');
    const batch = await store.changeLog.appendMany(projectId, [
      change('doc', 'A', 'create', { v: 1 }), // 1
      change('doc', 'B', 'create', { v: 1 }), // 2
      change('doc', 'A', 'update', { v: 2 }), // 3
      change('task', 'A', 'create', { v: 1 }), // 4: same id, other type: another entity
      change('doc', 'A', 'update', { v: 3 }), // 5
    ]);
    t.deepEqual(
      batch.map((item) => item.outdatedBy),
      [3, undefined, 5, undefined, undefined],
      'outdatedBy within one appendMany',
    );
    t.is((await store.changeLog.append(projectId, change('doc', 'A', 'delete', { v: 4 }))).seq, 6);
    t.like(await store.changeLog.append(projectId, change('doc', 'B', 'update', { v: 2 })), { seq: 7, outdatedBy: undefined });

    const stored = await allChanges(store, projectId);
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
    t.true(
      stored.every((item) => !Number.isNaN(Date.parse(item.timestamp))),
      'every change has a timestamp',
    );

    const historyA = await store.changeLog.history(projectId, 'doc', 'A');
    t.deepEqual(
      historyA.items.map((item) => [item.seq, item.data.v]),
      [
        [1, 1],
        [3, 2],
        [5, 3],
        [6, 4],
      ],
    );
    t.deepEqual(
      (await store.changeLog.history(projectId, 'task', 'A')).items.map((item) => item.seq),
      [4],
    );
    t.deepEqual(
      (await store.changeLog.history(projectId, 'doc', 'A', { order: 'desc' })).items.map((item) => item.seq),
      [6, 5, 3, 1],
    );
    const first = await store.changeLog.history(projectId, 'doc', 'A', { limit: 3 });
    t.deepEqual(
      first.items.map((item) => item.seq),
      [1, 3, 5],
    );
    const rest = await store.changeLog.history(projectId, 'doc', 'A', { limit: 3, ...(first.cursor ? { cursor: first.cursor } : {}) });
    t.deepEqual(
      rest.items.map((item) => item.seq),
      [6],
    );
    t.deepEqual((await store.changeLog.history(projectId, 'doc', 'missing')).items, []);

    const latest = await store.changeLog.latest(projectId);
    t.deepEqual(
      latest.map((item) => [item.entityType, item.entityId, item.seq, item.operation]),
      [
        ['task', 'A', 4, 'create'],
        ['doc', 'A', 6, 'delete'],
        ['doc', 'B', 7, 'update'],
      ],
    );
    t.true(latest.every((item) => item.outdatedBy === undefined));
    t.deepEqual(
      (await store.changeLog.latest(projectId, { includeOutdated: true })).map((item) => item.seq),
      range(1, 7),
    );
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

  test(title('a batch with one invalid change is rejected whole: validation at its index, nothing written, sequence unmoved'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('invalid');
    await store.changeLog.appendMany(projectId, [change('doc', 'A', 'create'), change('doc', 'B', 'create')]);
    const bad = [
      change('doc', 'A', 'update'),
      change('doc', 'C', 'create'),
      { ...change('doc', 'D', 'create'), operation: 'explode' } as unknown as ChangeInput,
      change('doc', 'E', 'create'),
    ];
    const error = await rejection(t, () => store.changeLog.appendMany(projectId, bad), 'validation');
    t.true(error.issues.length > 0 && error.issues.every((issue) => issue.path[0] === 2), JSON.stringify(error.issues));
    t.true(
      error.issues.some((issue) => issue.path[1] === 'operation'),
      JSON.stringify(error.issues),
    );
    t.deepEqual((await store.changeLog.since(projectId, 2)).items, [], 'nothing after seq 2');
    t.like(await store.changeLog.stats(projectId), { total: 2, latestSeq: 2, outdated: 0 });

    // Data that is not an object, at index 0 of a new project: nothing at all, not even a sequence item.
    const fresh = project('invalid-fresh');
    const second = await rejection(
      t,
      () =>
        store.changeLog.appendMany(fresh, [{ ...change('doc', 'A', 'create'), data: 'not an object' } as unknown as ChangeInput, change('doc', 'B', 'create')]),
      'validation',
    );
    t.true(
      second.issues.every((issue) => issue.path[0] === 0),
      JSON.stringify(second.issues),
    );
    t.deepEqual((await store.changeLog.since(fresh, 0)).items, []);
    t.is(await sequenceOf(store, fresh), undefined, 'no sequence item was created');
    await rejection(t, () => store.changeLog.appendMany(fresh, 'nope' as unknown as ChangeInput[]), 'validation');
    t.is((await store.changeLog.append(projectId, change('doc', 'C', 'create'))).seq, 3, 'the log continues without a gap');
  });
}
