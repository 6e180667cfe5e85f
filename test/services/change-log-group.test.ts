/**
 * Group commit of the change log, on DynamoDB Local and on the in-memory twin: concurrent appends
 * of one process share transactions, each caller gets exactly its own seqs or its own error,
 * atomic appends stay whole, and the recent heads carried by the sequence item keep outdatedBy
 * and latest() exact as entities come and go.
 */
import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import type { Store } from '../../entities/index.ts';
import { planCreate, type Operation } from '../../src/entity/index.ts';
import { ChangeLog, type ChangeEntry } from '../../src/services/index.ts';
import { backends, type Backend } from '../support/db.ts';
import { allChanges, assertOutdatedChains, change, delay, project } from './change-log-support.ts';
import { plainRequest } from '../support/plain-request.ts';
import { addMiddleware, isolatedStore, range, useBackendStores, type AnyRecord } from './support.ts';

const { storeOf } = useBackendStores('svc-change-log-group');

/** A change log of its own (fresh counters); on DynamoDB with its own client, whose transactions and sequence reads are recorded. */
async function ownLog(t: ExecutionContext, backend: Backend, options: { recentHeads?: number } = {}) {
  const store = storeOf(backend);
  const reads = { sequence: 0 };
  if (backend === 'memory') return { log: new ChangeLog(store.table, options), transactions: [] as AnyRecord[][], reads };
  const own = await isolatedStore(t, store.table.tableName);
  const transactions: AnyRecord[][] = [];
  addMiddleware(own, 'recordTransactions', (next, context) => async (args) => {
    const result = await next(args);
    if (context.commandName === 'TransactWriteItemsCommand') transactions.push(plainRequest(args.input.TransactItems as AnyRecord[]));
    if (context.commandName === 'BatchGetItemCommand' && JSON.stringify(args.input).includes('$sequence')) reads.sequence++;
    return result;
  });
  return { log: new ChangeLog(own.table, options), transactions, reads };
}

/** A new user's create (the user and its e-mail claim): a companion write for the outbox. */
const createUser = (store: Store, userId = randomUUID(), email = `g-${randomUUID()}@example.com`): readonly Operation[] =>
  planCreate(store.table.contextOf('user'), { userId, email, firstName: 'Grace', lastName: 'Hopper', isActive: true }).operations;

const changeSeqsOf = (items: AnyRecord[]) =>
  items
    .map((item) => (item.Put as { Item?: AnyRecord } | undefined)?.Item)
    .filter((item) => item?.__edb_e__ === 'change')
    .map((item) => item?.seq as number);

for (const backend of backends) {
  const title = (name: string) => `[${backend}] ${name}`;

  test(title('8 single appends started together share ONE transaction; caller i gets seq i+1 and its own change'), async (t) => {
    const { log, transactions } = await ownLog(t, backend);
    const projectId = project('together');
    const stored = await Promise.all(range(0, 7).map((caller) => log.append(projectId, change('doc', `d${caller}`, 'create', { caller }))));
    t.deepEqual(
      stored.map((item) => [item.seq, item.data.caller]),
      range(0, 7).map((caller) => [caller + 1, caller]),
    );
    t.is(log.counters.transactions, 1);
    t.is(log.counters.conflicts, 0);
    if (backend === 'dynamodb') t.deepEqual(transactions.map(changeSeqsOf), [range(1, 8)], 'one TransactWriteItems on the wire');
  });

  test(title('8 writers (singles and batches) with a concurrent reader: gapless, in order, no duplicates, far fewer transactions than appends'), async (t) => {
    const { log, transactions, reads } = await ownLog(t, backend);
    const projectId = project('writers');
    const [WRITERS, PER_WRITER] = [8, 12];
    let done = false;
    const mine: number[][] = range(1, WRITERS).map(() => []);
    const writers = Promise.all(
      range(0, WRITERS - 1).map(async (writer) => {
        for (let index = 0; index < PER_WRITER; index++) {
          const parts = index % 5 === 4 ? [0, 1, 2] : [0];
          const stored = await log.appendMany(
            projectId,
            parts.map((part) => change('doc', `doc-${(writer + index + part) % 6}`, 'update', { writer, index, part })),
          );
          mine[writer]?.push(...stored.map((item) => item.seq));
        }
      }),
    ).finally(() => {
      done = true;
    });
    const seen: number[] = [];
    const reader = (async () => {
      for (;;) {
        const finished = done;
        const page = await log.since(projectId, seen.at(-1) ?? 0, { limit: 10 });
        seen.push(...page.items.map((item) => item.seq));
        if (page.items.length === 0) {
          if (finished) return;
          await delay(2);
        }
      }
    })();
    await Promise.all([writers, reader]);
    const total = WRITERS * (PER_WRITER + 2 * Math.floor(PER_WRITER / 5));
    t.deepEqual(seen, range(1, total), 'the reader saw every seq once, in order');
    t.deepEqual(
      mine.flat().sort((a, b) => a - b),
      range(1, total),
      'the callers got exactly the seqs written',
    );
    for (const seqs of mine) t.true(seqs.every((seq, index) => index === 0 || seq > (seqs[index - 1] as number)));
    const stored = await allChanges(storeOf(backend), projectId);
    for (let writer = 0; writer < WRITERS; writer++) {
      t.deepEqual(
        stored.filter((item) => item.data.writer === writer).map((item) => item.seq),
        mine[writer],
        `writer ${writer}'s changes are where it was told, in its order`,
      );
    }
    assertOutdatedChains(t, stored);
    t.is(log.counters.conflicts, 0, 'one process never loses an attempt to itself');
    t.true(log.counters.transactions <= (WRITERS * PER_WRITER) / 3, `${log.counters.transactions} transactions for ${WRITERS * PER_WRITER} appends`);
    if (backend === 'dynamodb') {
      t.is(transactions.length, log.counters.transactions);
      // While appends keep queueing, each transaction plans on the state the previous one wrote.
      t.true(reads.sequence < transactions.length, `${reads.sequence} reads of the sequence for ${transactions.length} transactions`);
    }
    t.deepEqual(
      (await log.latest(projectId)).map((item) => item.entityId).sort(),
      range(0, 5).map((index) => `doc-${index}`),
    );
  });

  test(title('two ChangeLog instances (as two processes) × 4 writers: chained transactions of one are turned down when the other moved the log'), async (t) => {
    const [first, second] = [await ownLog(t, backend), await ownLog(t, backend)];
    const projectId = project('instances');
    const PER_WRITER = 10;
    const run = (log: ChangeLog, label: string) =>
      Promise.all(
        range(0, 3).map(async (writer) => {
          const mine: number[] = [];
          for (let index = 0; index < PER_WRITER; index++)
            mine.push((await log.append(projectId, change('doc', `doc-${(writer + index) % 5}`, 'update', { label, writer, index }))).seq);
          return mine;
        }),
      );
    const seqs = (await Promise.all([run(first.log, 'first'), run(second.log, 'second')])).flat();
    const total = 2 * 4 * PER_WRITER;
    t.deepEqual(
      seqs.flat().sort((a, b) => a - b),
      range(1, total),
    );
    for (const mine of seqs) t.true(mine.every((seq, index) => index === 0 || seq > (mine[index - 1] as number)));
    const stored = await allChanges(storeOf(backend), projectId);
    assertOutdatedChains(t, stored);
    t.deepEqual(
      (await first.log.latest(projectId)).map((item) => item.entityId).sort(),
      range(0, 4).map((index) => `doc-${index}`),
    );
    // The twin answers within a turn of the event loop, so only DynamoDB interleaves the two reliably.
    if (backend === 'dynamodb') t.true(first.log.counters.conflicts + second.log.counters.conflicts > 0, 'the instances did race');
  });

  test(title("a caller whose companion write fails gets its own error; the others' changes commit without it"), async (t) => {
    const store = storeOf(backend);
    const { log } = await ownLog(t, backend);
    const projectId = project('companion');
    const taken = randomUUID();
    await store.entities.user.create({ userId: taken, email: `taken-${taken}@example.com`, firstName: 'A', lastName: 'B', isActive: true });
    const ids = range(0, 3).map(() => randomUUID());
    const results = await Promise.allSettled(
      ids.map((userId, caller) =>
        log.appendWith(projectId, [
          { change: change('user', userId, 'create', { caller }), companion: caller === 2 ? createUser(store, taken) : createUser(store, userId) },
        ]),
      ),
    );
    const failed = results[2];
    t.is(failed?.status, 'rejected');
    t.is((failed as PromiseRejectedResult).reason.code, 'alreadyExists');
    t.deepEqual(
      results.map((result) => (result.status === 'fulfilled' ? result.value.map((item) => [item.seq, item.data.caller]) : 'failed')),
      [[[1, 0]], [[2, 1]], 'failed', [[3, 3]]],
    );
    t.deepEqual(
      (await allChanges(store, projectId)).map((item) => [item.seq, item.entityId]),
      [
        [1, ids[0]],
        [2, ids[1]],
        [3, ids[3]],
      ],
    );
    t.is((await store.entities.user.getMany(ids)).items.length, 3, 'every other caller wrote its user');
    t.is(log.counters.transactions, 1, 'retried without the failed caller, in one transaction');
    t.is(log.counters.conflicts, 0);
  });

  test(title('a change too large, or a companion DynamoDB rejects, fails its caller alone; the others commit'), async (t) => {
    const store = storeOf(backend);
    const { log } = await ownLog(t, backend);
    const projectId = project('rejected');
    const huge = 'x'.repeat(410_000);
    // Caught while planning: the change itself is over 400 KB.
    const planned = await Promise.allSettled([
      log.append(projectId, change('doc', 'a', 'create', { n: 1 })),
      log.append(projectId, change('doc', 'b', 'create', { huge })),
      log.append(projectId, change('doc', 'c', 'create', { n: 3 })),
    ]);
    t.deepEqual(
      planned.map((result) => (result.status === 'fulfilled' ? result.value.seq : (result.reason as { code?: string }).code)),
      [1, 'validation', 2],
    );
    // Only DynamoDB (or the twin) can tell: an update that grows an item past 400 KB. The window is retried one by one.
    const blob: Operation = {
      entity: 'note',
      id: 'blob',
      write: { kind: 'update', key: { pk: `blob-${randomUUID()}`, sk: 'blob' }, actions: [{ kind: 'set', name: 'blob', value: huge }] },
      guards: [],
    };
    const sent = await Promise.allSettled([
      log.appendMany(projectId, [change('doc', 'd', 'create')]),
      log.appendWith(projectId, [{ change: change('doc', 'e', 'create'), companion: [blob] }]),
      log.appendMany(projectId, [change('doc', 'f', 'create')]),
    ]);
    t.deepEqual(
      sent.map((result) => (result.status === 'fulfilled' ? result.value.map((item) => item.seq) : (result.reason as { code?: string }).code)),
      [[3], 'validation', [4]],
    );
    t.deepEqual(
      (await allChanges(store, projectId)).map((item) => item.entityId),
      ['a', 'c', 'd', 'f'],
    );
  });

  test(title('an atomic appendWith shares a transaction only whole; its own failure or size fails it alone'), async (t) => {
    const store = storeOf(backend);
    const { log, transactions } = await ownLog(t, backend);
    const projectId = project('atomic');
    const atomic = (label: string, companions: (readonly Operation[])[]): ChangeEntry[] =>
      companions.map((companion, part) => ({ change: change('user', `${label}-${part}`, 'create', { label, part }), companion }));
    const single = (label: string) => log.append(projectId, change('doc', label, 'create', { label }));

    const [a, whole, b] = await Promise.all([
      single('a'),
      log.appendWith(projectId, atomic('whole', [createUser(store), createUser(store), createUser(store)]), { atomic: true }),
      single('b'),
    ]);
    t.deepEqual([a.seq, ...whole.map((item) => item.seq), b.seq], range(1, 5));
    if (backend === 'dynamodb') t.true(transactions.some((items) => [2, 3, 4].every((seq) => changeSeqsOf(items).includes(seq))));

    const taken = randomUUID();
    await store.entities.user.create({ userId: taken, email: `t-${taken}@example.com`, firstName: 'A', lastName: 'B', isActive: true });
    const firstOfBroken = randomUUID();
    const tooBig = atomic(
      'big',
      range(1, 40).map(() => createUser(store)),
    );
    const results = await Promise.allSettled([
      single('c'),
      log.appendWith(projectId, atomic('broken', [createUser(store, firstOfBroken), createUser(store, taken)]), { atomic: true }),
      log.appendWith(projectId, tooBig, { atomic: true }),
      single('d'),
    ]);
    t.deepEqual(
      results.map((result) => (result.status === 'fulfilled' ? 'ok' : (result.reason as { code?: string }).code)),
      ['ok', 'alreadyExists', 'validation', 'ok'],
    );
    t.deepEqual((await store.entities.user.getMany([firstOfBroken])).missing, [firstOfBroken], 'both or neither: its first user was not written');
    t.deepEqual(
      (await allChanges(store, projectId)).map((item) => item.data.label),
      ['a', 'whole', 'whole', 'whole', 'b', 'c', 'd'],
    );
  });

  test(title('recentHeads 2 and 0: entities leave the sequence as head items; outdatedBy, history and latest stay exact'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('heads');
    const small = new ChangeLog(store.table, { recentHeads: 2 });
    const script = ['A', 'B', 'C', 'A', 'D', 'B', 'B', 'E', 'A', 'C'];
    for (const [index, entity] of script.entries()) {
      if (index % 3 === 2) await small.appendMany(projectId, [change('doc', entity, 'update', { index }), change('doc', 'F', 'update', { index })]);
      else await small.append(projectId, change('doc', entity, 'update', { index }));
    }
    // Another instance without recent heads, then one with the default, continue the same log.
    await new ChangeLog(store.table, { recentHeads: 0 }).appendMany(projectId, [change('doc', 'B', 'delete'), change('doc', 'G', 'create')]);
    await new ChangeLog(store.table).append(projectId, change('doc', 'A', 'update', { last: true }));
    const stored = await allChanges(store, projectId);
    t.is(stored.length, 16);
    assertOutdatedChains(t, stored);
    const lastOf = new Map(stored.map((item) => [item.entityId, item.seq]));
    t.deepEqual(
      (await small.latest(projectId)).map((item) => [item.entityId, item.seq]),
      [...lastOf].sort((x, y) => x[1] - y[1]),
    );
    t.deepEqual(
      (await store.changeLog.history(projectId, 'doc', 'A')).items.map((item) => [item.seq, item.outdatedBy]),
      stored.filter((item) => item.entityId === 'A').map((item, index, all) => [item.seq, all[index + 1]?.seq]),
    );
    const heads = await store.entities.changeHead.query({ pattern: 'primary', key: { projectId } }, { consistent: true });
    t.true(heads.length >= 5, `${heads.length} entities were written out as head items`);
    t.like(await store.changeLog.stats(projectId), { total: 16, latestSeq: 16, outdated: 16 - 7 });
  });
}
