/**
 * The studio's request recorder: on DynamoDB a middleware on the studio's own connection that
 * sees exactly what is sent (with ReturnConsumedCapacity TOTAL) and only inside record(); in
 * memory the request DynamoDBStorage would send, built by the same params builders.
 */
import test from 'ava';
import { connect } from '../../src/index.ts';
import { dynamoRecorder, memoryRecorder, type RecordedRequest } from '../../src/studio/index.ts';
import { inMemory } from '../../src/testing.ts';
import { uniqueTableName } from '../support/db.ts';
import { TaskTable } from './fixture-table.ts';

const board = { boardId: 'b-1', name: 'Board', ownerEmail: 'ada@example.com' };
const task = { boardId: 'b-1', taskId: 't-1', title: 'Task', status: 'todo', priority: 2, due: new Date('2026-03-01T00:00:00.000Z') } as const;

/** A request without what legitimately differs between two runs: the table name, timestamps and the capacity option. */
function comparable(request: RecordedRequest | undefined): unknown {
  if (!request) return undefined;
  const { ReturnConsumedCapacity: _capacity, ...input } = request.input;
  const text = JSON.stringify(input)
    .replaceAll(/test-[\w-]+/g, 'TABLE')
    .replaceAll(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, 'TIME');
  return { operation: request.operation, input: JSON.parse(text) as unknown };
}

test('DynamoDB: requests inside record() are captured as sent, with their consumed capacity; results and other requests are untouched', async (t) => {
  const connection = await connect();
  const recorder = dynamoRecorder(connection);
  const table = TaskTable.bind(connection, { tableName: uniqueTableName('studio-recorder') });
  t.teardown(async () => {
    await table.delete();
    await connection.close();
  });
  await table.ensure();
  const tasks = table.entities.task;
  await table.entities.board.create(board);
  await tasks.create(task);

  const plain = await tasks.find.primary({ boardId: 'b-1' });
  const recorded = await recorder.record(() => tasks.find.primary({ boardId: 'b-1' }));
  if (!recorded.ok) return t.fail(String(recorded.error));
  t.deepEqual(recorded.value, plain, 'the API returns the same page with the recorder on');
  t.is(recorded.requests.length, 1);
  const [query] = recorded.requests;
  t.is(query?.operation, 'Query');
  t.is(query?.input.ReturnConsumedCapacity, 'TOTAL');
  t.deepEqual(((query?.input.ExpressionAttributeValues ?? {}) as Record<string, unknown>)[':v0'], { S: '$tablekit#boardId_b-1' }, 'marshalled, as on the wire');
  t.like(query?.consumed, { CapacityUnits: 0.5 });
  t.false(query?.estimated);

  // Work outside record() running at the same time is not mixed in.
  const [concurrent] = await Promise.all([
    recorder.record(() => tasks.get({ boardId: 'b-1', taskId: 't-1' })),
    tasks.find.primary({ boardId: 'b-1' }),
    table.entities.board.get('b-1'),
  ]);
  t.deepEqual(
    concurrent.requests.map((request) => request.operation),
    ['GetItem'],
  );

  const failed = await recorder.record(() => tasks.create(task));
  t.false(failed.ok, 'a create of an existing id fails');
  t.is(failed.requests[0]?.operation, 'PutItem');
  t.is(failed.requests[0]?.error, 'ConditionalCheckFailedException');
});

test('memory: the recorded requests are the ones DynamoDB receives for the same operations', async (t) => {
  const connection = await connect();
  const onDynamo = { recorder: dynamoRecorder(connection), table: TaskTable.bind(connection, { tableName: uniqueTableName('studio-twin-a') }) };
  const memory = memoryRecorder(inMemory());
  const onMemory = { recorder: memory.recorder, table: TaskTable.bind(memory.connection, { tableName: uniqueTableName('studio-twin-b') }) };
  t.teardown(async () => {
    await onDynamo.table.delete();
    await connection.close();
  });
  await Promise.all([onDynamo.table.ensure(), onMemory.table.ensure()]);
  type Side = typeof onDynamo;
  const operations: ((side: Side) => Promise<unknown>)[] = [
    (side) => side.table.entities.board.create(board),
    (side) => side.table.entities.task.create(task),
    (side) => side.table.entities.task.find.byStatus({ boardId: 'b-1', status: 'todo', due: { gte: new Date('2026-01-01') } }, { limit: 5 }),
    (side) => side.table.entities.task.get({ boardId: 'b-1', taskId: 't-1' }),
    (side) => side.table.entities.task.patch({ boardId: 'b-1', taskId: 't-1' }, { set: { status: 'done' } }),
    (side) => side.table.entities.board.delete('b-1'),
  ];
  for (const [index, operation] of operations.entries()) {
    const [dynamo, memory] = [await onDynamo.recorder.record(() => operation(onDynamo)), await onMemory.recorder.record(() => operation(onMemory))];
    t.true(dynamo.ok && memory.ok, `operation ${index}`);
    t.deepEqual(memory.requests.map(comparable), dynamo.requests.map(comparable), `operation ${index}: ${dynamo.requests[0]?.operation}`);
    t.true(
      memory.requests.every((request) => request.estimated && typeof (request.consumed as { CapacityUnits?: unknown }).CapacityUnits === 'number'),
      'in memory the capacity is an estimate',
    );
  }
});
