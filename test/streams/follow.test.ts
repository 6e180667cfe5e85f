/**
 * changeLog.follow(projectId, { fromSeq }) on DynamoDB Local (live changes from the table's
 * DynamoDB Stream) and on the in-memory twin (its change feed): history after fromSeq, then live
 * changes, in strict seq order with no gap and no duplicate, while writers append — also past a
 * history of more than one page (1,000 changes, or 1 MB).
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import type { Store } from '../../entities/index.ts';
import type { ChangeInput, ChangeItem } from '../../src/services/index.ts';
import { addMiddleware, isolatedStore, useBackendStores } from '../services/support.ts';
import { backends } from '../support/db.ts';
import { eventually, range, record, sleep, unsubscribeAll, within, type Recorder } from './support.ts';

// Something in the table before the first follower, so a DynamoDB stream shard is not empty when
// the reader positions itself (the empty-shard case is covered by reader.test.ts).
const { storeOf } = useBackendStores('follow', (store) => store.changeLog.append('seed', change('doc', 'seed', 'create')));
test.after.always(() => unsubscribeAll());

const project = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

function change(entityType: string, entityId: string, operation: ChangeInput['operation'], data: Record<string, unknown> = {}): ChangeInput {
  return { entityType, entityId, operation, data };
}

/** The n-th change a writer appends: a few entities (so heads and outdatedBy move), empty and nested data. */
function nth(writer: string, index: number): ChangeInput {
  const data = index % 3 === 0 ? {} : { writer, index, nested: { list: [index, `${writer}-${index}`], empty: {} } };
  return change('doc', `doc-${index % 7}`, index % 5 === 0 ? 'create' : 'update', data);
}

const seqs = (recorder: Recorder<ChangeItem>) => recorder.values.map((item) => item.seq);
const withoutOutdated = ({ outdatedBy: _ignored, ...rest }: ChangeItem) => rest;
const reached = (last: number) => (recorder: Recorder<ChangeItem>) => (recorder.last?.seq ?? 0) >= last;

async function history(store: Store, projectId: string): Promise<ChangeItem[]> {
  const result: ChangeItem[] = [];
  for await (const page of store.changeLog.paginate(projectId, 0, { pageSize: 1000 })) result.push(...page);
  return result;
}

for (const backend of backends) {
  const title = (name: string) => `[${backend}] ${name}`;

  test(title('follow() while 3 writers append (singles and batches) yields exactly fromSeq+1..end in order, and never another project'), async (t) => {
    const store = storeOf(backend);
    const [main, other] = [project('busy'), project('other')];
    const fromStart = record(store.changeLog.follow(main));
    const otherFollower = record(store.changeLog.follow(other));
    await Promise.all([fromStart.live(), otherFollower.live()]);

    // 3 writers × (2 singles + 2 batches of 3) = 24 changes, and 6 of another project meanwhile.
    const TOTAL = 24;
    let written = 0;
    const writer = async (label: string) => {
      for (const [round, size] of [1, 3, 1, 3].entries()) {
        await store.changeLog.appendMany(
          main,
          range(1, size).map((part) => nth(label, round * 3 + part)),
        );
        written += size;
      }
    };
    const writing = Promise.all([
      ...['w1', 'w2', 'w3'].map(writer),
      store.changeLog.appendMany(
        other,
        range(1, 6).map((index) => nth('x', index)),
      ),
    ]);
    writing.catch(() => undefined);
    // A second follower joins in the middle: history from seq 8, then live.
    await eventually(() => written >= 8, '8 changes written');
    const fromMiddle = record(store.changeLog.follow(main, { fromSeq: 8 }));
    await writing;
    t.is(written, TOTAL);
    t.is((await store.changeLog.stats(main)).latestSeq, TOTAL, 'the writers produced a gapless log');

    await Promise.all([
      fromStart.until(reached(TOTAL), `seq ${TOTAL} from the start`),
      fromMiddle.until(reached(TOTAL), `seq ${TOTAL} from seq 8`),
      otherFollower.until(reached(6), 'seq 6 of the other project'),
    ]);
    t.deepEqual(seqs(fromStart), range(1, TOTAL), 'from 0: every seq once, in order');
    t.deepEqual(seqs(fromMiddle), range(9, TOTAL), 'from 8: 9..24 once, in order');
    t.deepEqual(seqs(otherFollower), range(1, 6));
    t.true(otherFollower.values.every((item) => item.projectId === other));
    // What was followed is what was stored (outdatedBy is set later by another write, so it is left out).
    const stored = (await history(store, main)).map(withoutOutdated);
    t.deepEqual(fromStart.values.map(withoutOutdated), stored);
    t.deepEqual(fromMiddle.values.map(withoutOutdated), stored.slice(8));
    for (const recorder of [fromStart, fromMiddle, otherFollower]) {
      t.false(recorder.ended, 'following does not end');
      recorder.unsubscribe();
    }
  });

  // Regression: follow() stopped after the first page of history. A page of `since` ends at 1,000
  // changes (its limit) or at 1 MB (DynamoDB's page size): 1,050 small changes cross the first,
  // 150 changes of 10 KB the second.
  for (const [label, count, blob] of [
    ['1,050 changes (more than the 1,000 of a page)', 1_050, ''],
    ['150 changes of 10 KB (more than a 1 MB page)', 150, 'x'.repeat(10_000)],
  ] as const) {
    test(title(`follow() past a history of ${label} receives every seq once, in order, then live (regression: it stopped after the first page)`), async (t) => {
      const store = storeOf(backend);
      const main = project('long');
      await store.changeLog.appendMany(
        main,
        range(1, count).map((index) => change('doc', `d-${index % 5}`, 'update', { index, blob })),
      );
      const firstPage = await store.changeLog.since(main, 0, { limit: 1000 });
      t.truthy(firstPage.cursor, 'the history does not fit one page');
      t.true(firstPage.items.length < count);

      const fromStart = record(store.changeLog.follow(main));
      const fromLate = record(store.changeLog.follow(main, { fromSeq: 40 }));
      await Promise.all([fromStart.until(reached(count), `seq ${count}`), fromLate.until(reached(count), `seq ${count} from 40`)]);
      await store.changeLog.appendMany(main, [change('doc', 'live', 'create', { index: count + 1 }), change('doc', 'live', 'update', { index: count + 2 })]);
      await Promise.all([fromStart.until(reached(count + 2), 'the live changes'), fromLate.until(reached(count + 2), 'the live changes from 40')]);
      t.deepEqual(seqs(fromStart), range(1, count + 2), 'every seq exactly once, in order');
      t.deepEqual(seqs(fromLate), range(41, count + 2));
      t.deepEqual(
        fromStart.values.map((item) => item.data.index),
        range(1, count + 2),
      );
      fromStart.unsubscribe();
      fromLate.unsubscribe();
    });
  }

  test(title('follow() from a seq in the middle of history replays the history first, then continues live'), async (t) => {
    const store = storeOf(backend);
    const [main, other] = [project('replay'), project('replay-other')];
    await store.changeLog.appendMany(
      main,
      range(1, 45).map((i) => nth('h', i)),
    );
    for (const i of range(46, 50)) await store.changeLog.append(main, nth('h', i));
    await store.changeLog.appendMany(
      other,
      range(1, 10).map((i) => nth('o', i)),
    );

    const followed = record(store.changeLog.follow(main, { fromSeq: 20 }));
    await followed.count(30);
    t.deepEqual(seqs(followed), range(21, 50), 'the history after seq 20');
    t.deepEqual(followed.values.map(withoutOutdated), (await history(store, main)).slice(20).map(withoutOutdated));

    // Live: a single, a batch, and the other project in between.
    await store.changeLog.append(main, change('doc', 'live-1', 'create', { n: 1 }));
    await store.changeLog.appendMany(other, [change('doc', 'o-live', 'create')]);
    await store.changeLog.appendMany(
      main,
      range(2, 10).map((i) => change('doc', `live-${i}`, 'create', { n: i })),
    );
    await followed.count(40);
    t.deepEqual(seqs(followed), range(21, 60));
    t.deepEqual(
      followed.values.slice(30).map((item) => item.entityId),
      range(1, 10).map((i) => `live-${i}`),
    );
    t.true(followed.values.every((item) => item.projectId === main));
    await sleep(50);
    t.is(followed.values.length, 40, 'nothing more arrives');
    followed.unsubscribe();
  });

  test(title('unsubscribing (or breaking out of the loop) stops follow(); fromSeq must be a non-negative integer'), async (t) => {
    const store = storeOf(backend);
    const main = project('stop');
    await store.changeLog.appendMany(
      main,
      range(1, 5).map((i) => nth('s', i)),
    );
    const stopped = record(store.changeLog.follow(main));
    await stopped.count(5);
    stopped.unsubscribe();

    const broken: number[] = [];
    await within(
      (async () => {
        for await (const item of store.changeLog.follow(main, { fromSeq: 2 })) {
          broken.push(item.seq);
          break;
        }
      })(),
      'for await … break',
    );
    t.deepEqual(broken, [3]);

    // A witness that keeps following sees the next changes; the stopped follower does not.
    const witness = record(store.changeLog.follow(main, { fromSeq: 5 }));
    await store.changeLog.appendMany(
      main,
      range(6, 10).map((i) => nth('s', i)),
    );
    await witness.count(5);
    t.deepEqual(seqs(witness), range(6, 10));
    t.deepEqual(seqs(stopped), range(1, 5));
    t.false(stopped.ended, 'unsubscribing is not completion');
    t.is(stopped.lateCalls, 0);
    witness.unsubscribe();
    for (const fromSeq of [-1, 1.5]) t.throws(() => store.changeLog.follow(main, { fromSeq }), { message: /fromSeq/ });
  });
}

test('[dynamodb] a follower unsubscribed while it is catching up stops reading the table', async (t) => {
  const store = storeOf('dynamodb');
  const main = project('spin');
  await store.changeLog.appendMany(
    main,
    range(1, 10).map((i) => nth('p', i)),
  );
  // A store with its own client, so its Query calls can be counted and held at a gate (SDK middleware).
  const own = await isolatedStore(t, store.table.tableName);
  let queries = 0;
  let openGate: () => void = () => undefined;
  let gate: Promise<void> | undefined = new Promise<void>((resolve) => (openGate = resolve));
  addMiddleware(own, 'holdQueries', (next, context) => async (args) => {
    if (context.commandName === 'QueryCommand') {
      queries++;
      if (gate) await gate;
    }
    return next(args);
  });

  // The follower subscribes to the stream, then its history read waits at the gate.
  const follower = record(own.changeLog.follow(main));
  const changes = record(own.table.changes());
  await eventually(() => queries > 0, 'the held history read');
  // Live changes arrive while the history read is held: the follower keeps them pending.
  await store.changeLog.appendMany(
    main,
    range(11, 15).map((i) => nth('p', i)),
  );
  await changes.until(
    (r) => r.values.filter((c) => c.entity === 'change' && c.type === 'insert' && c.newItem?.projectId === main).length >= 5,
    'the live inserts',
  );
  follower.unsubscribe();
  changes.unsubscribe();
  gate = undefined;
  openGate();

  // Let whatever was in flight settle, then the follower must not read the table any more.
  await sleep(300);
  const settled = queries;
  await sleep(500);
  t.is(queries, settled, `an unsubscribed follower keeps querying (${queries - settled} queries after it was stopped)`);
  t.deepEqual(follower.values, [], 'nothing delivered after unsubscribing');
});
