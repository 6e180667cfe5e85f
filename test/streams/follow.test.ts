/**
 * changeLog.follow(projectId, { fromSeq }): history after fromSeq, then live changes from the
 * table's DynamoDB Stream, in strict seq order with no gap and no duplicate, while writers append.
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { openStore, type Store } from '../../entities/index.ts';
import { uniqueTableName } from '../support/db.ts';
import { range, record, unsubscribeAll, within, type Recorder } from './support.ts';

type ChangeInput = Parameters<Store['changeLog']['append']>[1];
type StoredChange = Awaited<ReturnType<Store['changeLog']['append']>>;
type AnyRecord = Record<string, unknown>;
type Next = (args: { input: AnyRecord }) => Promise<{ output: AnyRecord }>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;

let store: Store;
let tableName: string;
const extraStores: Store[] = [];

test.before(async () => {
  tableName = uniqueTableName('follow');
  store = await openStore({ tableName });
  // Something in the table before the first follower, so the stream's shard is not empty when
  // the reader positions itself (the empty-shard case is covered by reader.test.ts).
  await store.changeLog.append('seed', change('doc', 'seed', 'create'));
});

test.after.always(async () => {
  unsubscribeAll();
  for (const extra of extraStores) await extra.close().catch(() => undefined);
  if (!store) return;
  await store.table.delete().catch(() => undefined);
  await store.close();
});

const project = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function change(entityType: string, entityId: string, operation: ChangeInput['operation'], data: AnyRecord = {}): ChangeInput {
  return { entityType, entityId, operation, data };
}

/** The n-th change a writer appends: a few entities (so heads and outdatedBy move), empty and nested data. */
function nth(writer: string, index: number): ChangeInput {
  const data = index % 3 === 0 ? {} : { writer, index, nested: { list: [index, `${writer}-${index}`], empty: {} } };
  return change('doc', `doc-${index % 7}`, index % 5 === 0 ? 'create' : 'update', data);
}

const seqs = (recorder: Recorder<StoredChange>) => recorder.values.map((item) => item.seq);
const withoutOutdated = ({ outdatedBy: _ignored, ...rest }: StoredChange) => rest;

async function history(projectId: string): Promise<StoredChange[]> {
  const result: StoredChange[] = [];
  for await (const page of store.changeLog.paginate(projectId, 0, { pageSize: 1000 })) result.push(...page);
  return result;
}

/** Appends `total` changes: batches of 10 (appendMany) interleaved with single appends (10% of the changes). */
async function writer(projectId: string, label: string, total: number, progress: () => void): Promise<void> {
  const singles = Math.floor(total / 10);
  const batches = Math.floor((total - singles) / 10);
  const plan: number[] = [];
  for (let k = 0; k < Math.max(singles, batches); k++) {
    if (k < singles) plan.push(1);
    if (k < batches) plan.push(10);
  }
  for (let rest = total - plan.reduce((sum, size) => sum + size, 0); rest > 0; rest--) plan.push(1);
  let index = 0;
  for (const size of plan) {
    if (size === 1) await store.changeLog.append(projectId, nth(label, index));
    else
      await store.changeLog.appendMany(
        projectId,
        range(index, index + size - 1).map((i) => nth(label, i)),
      );
    index += size;
    for (let i = 0; i < size; i++) progress();
  }
}

test('follow() while 4 writers append 2,000 changes yields exactly fromSeq+1..end in order, and never another project', async (t) => {
  const main = project('busy');
  const other = project('other');
  const TOTAL = 2_000;
  const OTHER_TOTAL = 200;

  const fromStart = record(store.changeLog.follow(main));
  const otherFollower = record(store.changeLog.follow(other));

  let written = 0;
  const writers = range(1, 4).map((n) => writer(main, `w${n}`, TOTAL / 4, () => written++));
  const otherWriter = writer(other, 'x', OTHER_TOTAL, () => undefined);
  const all = Promise.all([...writers, otherWriter]);
  all.catch(() => undefined);

  // A second follower joins in the middle: history from seq 300, then live.
  while (written < 600) await sleep(5);
  const fromMiddle = record(store.changeLog.follow(main, { fromSeq: 300 }));
  await all;
  t.is(written, TOTAL);
  const stats = await store.changeLog.stats(main);
  t.is(stats.latestSeq, TOTAL, 'the writers produced a gapless log of 2,000');

  const reached = (last: number) => (r: Recorder<StoredChange>) => (r.last?.seq ?? 0) >= last;
  await Promise.all([
    fromStart.until(reached(TOTAL), `seq ${TOTAL} from the start`),
    fromMiddle.until(reached(TOTAL), `seq ${TOTAL} from seq 300`),
    otherFollower.until(reached(OTHER_TOTAL), `seq ${OTHER_TOTAL} of the other project`),
  ]);
  t.deepEqual(seqs(fromStart), range(1, TOTAL), 'from 0: every seq once, in order');
  t.deepEqual(seqs(fromMiddle), range(301, TOTAL), 'from 300: 301..2000 once, in order');
  t.deepEqual(seqs(otherFollower), range(1, OTHER_TOTAL));
  t.true(fromStart.values.every((item) => item.projectId === main) && fromMiddle.values.every((item) => item.projectId === main), 'only the followed project');
  t.true(otherFollower.values.every((item) => item.projectId === other));

  // What was followed is what was stored (outdatedBy is set later by another write, so it is left out).
  const stored = (await history(main)).map(withoutOutdated);
  t.deepEqual(fromStart.values.map(withoutOutdated), stored);
  t.deepEqual(fromMiddle.values.map(withoutOutdated), stored.slice(300));
  for (const recorder of [fromStart, fromMiddle, otherFollower]) {
    t.false(recorder.ended, 'following does not end');
    t.is(recorder.error, undefined);
    recorder.unsubscribe();
  }
});

test('follow() from a seq in the middle of history replays the history first, then continues live', async (t) => {
  const main = project('replay');
  const other = project('replay-other');
  await store.changeLog.appendMany(
    main,
    range(1, 95).map((i) => nth('h', i)),
  );
  for (const i of range(96, 100)) await store.changeLog.append(main, nth('h', i));
  await store.changeLog.appendMany(
    other,
    range(1, 30).map((i) => nth('o', i)),
  );

  const followed = record(store.changeLog.follow(main, { fromSeq: 40 }));
  await followed.count(60);
  t.deepEqual(seqs(followed), range(41, 100), 'the history after seq 40');
  t.deepEqual(followed.values.map(withoutOutdated), (await history(main)).slice(40).map(withoutOutdated));

  // Live: singles, a batch, and the other project in between.
  await store.changeLog.append(main, change('doc', 'live-1', 'create', { n: 1 }));
  await store.changeLog.appendMany(other, [change('doc', 'o-live', 'create')]);
  await store.changeLog.appendMany(
    main,
    range(2, 20).map((i) => change('doc', `live-${i}`, 'create', { n: i })),
  );
  await followed.count(80);
  t.deepEqual(seqs(followed), range(41, 120));
  t.deepEqual(
    followed.values.slice(60).map((item) => item.entityId),
    range(1, 20).map((i) => `live-${i}`),
  );
  t.true(followed.values.every((item) => item.projectId === main));
  t.false(followed.ended);
  followed.unsubscribe();
});

test('unsubscribing (or breaking out of the loop) stops follow()', async (t) => {
  const main = project('stop');
  await store.changeLog.appendMany(
    main,
    range(1, 5).map((i) => nth('s', i)),
  );
  const stopped = record(store.changeLog.follow(main));
  await stopped.count(5);
  stopped.unsubscribe();

  // for await … break after the first change.
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
});

test('a follower unsubscribed while it is catching up stops reading the table', async (t) => {
  const main = project('spin');
  await store.changeLog.appendMany(
    main,
    range(1, 10).map((i) => nth('p', i)),
  );
  // A store with its own client, so its requests can be counted and its Query calls held at a gate (SDK middleware).
  const own = await openStore({ tableName, ensureTable: false });
  extraStores.push(own);
  let queries = 0;
  let openGate: () => void = () => undefined;
  let gate: Promise<void> | undefined = new Promise<void>((resolve) => (openGate = resolve));
  const middleware: Middleware = (next, context) => async (args) => {
    if (context.commandName === 'QueryCommand') {
      queries++;
      if (gate) await gate;
    }
    return next(args);
  };
  (own.connection.doc.middlewareStack as unknown as { add(m: Middleware, options: { step: string; name: string }): void }).add(middleware, {
    step: 'initialize',
    name: 'holdQueries',
  });

  // The follower subscribes to the stream, then its history read waits at the gate.
  const follower = record(own.changeLog.follow(main));
  const changes = record(own.table.changes());
  while (queries === 0) await sleep(5);
  // Live changes arrive while the history read is held: the follower keeps them pending.
  await store.changeLog.appendMany(
    main,
    range(11, 15).map((i) => nth('p', i)),
  );
  await changes.until((r) => r.values.filter((c) => c.entity === 'change' && c.type === 'insert' && c.newItem?.projectId === main).length >= 5, 'the live inserts');
  follower.unsubscribe();
  changes.unsubscribe();
  gate = undefined;
  openGate();

  // Let whatever was in flight settle, then the follower must not read the table any more.
  await sleep(1_000);
  const settled = queries;
  await sleep(1_000);
  t.is(queries, settled, `an unsubscribed follower keeps querying (${queries - settled} queries in 1 s after it was stopped)`);
  t.deepEqual(follower.values, [], 'nothing delivered after unsubscribing');
});
