/**
 * Two PROCESSES × 4 writers append to one project on DynamoDB Local: group commit happens inside
 * each process; between them only the sequence's `value = v` condition orders the appends. The
 * log must stay gapless, without duplicates, each writer's changes in its order, outdatedBy exact.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { allChanges, assertOutdatedChains, project } from './change-log-support.ts';
import { dynamoOf, range, useBackendStores } from './support.ts';

const { storeOf } = useBackendStores('svc-change-log-processes');
const writerScript = fileURLToPath(new URL('./change-log-writer.ts', import.meta.url));

interface WriterResult {
  label: string;
  seqs: number[][];
  counters: { transactions: number; conflicts: number };
}

function startWriter(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('ready\n')) resolve();
    }),
  );
  const result = once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`writer ${env.LABEL} exited with ${code}: ${output}`);
    const line = output.split('\n').find((text) => text.startsWith('{'));
    return JSON.parse(line ?? '{}') as WriterResult;
  });
  return { child, ready, result };
}

test('[dynamodb] two processes × 4 writers on one project: gapless, no duplicates, each writer in its order, outdatedBy and latest exact', async (t) => {
  const store = storeOf('dynamodb');
  const projectId = project('processes');
  const endpoint = dynamoOf(store).endpoint;
  if (!endpoint) throw new Error('the DynamoDB store has no endpoint');
  const PER_WRITER = 25;
  const writers = ['one', 'two'].map((label) =>
    startWriter({ DYNAMODB_ENDPOINT: endpoint, TABLE: store.table.tableName, PROJECT: projectId, LABEL: label, WRITERS: '4', PER_WRITER: String(PER_WRITER) }),
  );
  await Promise.all(writers.map((writer) => writer.ready));
  // Both start at once, so their appends overlap.
  for (const writer of writers) writer.child.stdin.end('go\n');
  const results = await Promise.all(writers.map((writer) => writer.result));

  const total = 2 * 4 * (PER_WRITER + PER_WRITER / 5);
  const returned = results.flatMap((result) => result.seqs.flat()).sort((a, b) => a - b);
  t.deepEqual(returned, range(1, total), 'the callers of both processes got every seq exactly once');
  const stored = await allChanges(store, projectId, 50);
  t.deepEqual(
    stored.map((item) => item.seq),
    range(1, total),
  );
  for (const result of results) {
    for (const [writer, seqs] of result.seqs.entries()) {
      t.deepEqual(
        stored.filter((item) => item.data.label === result.label && item.data.writer === writer).map((item) => item.seq),
        seqs,
        `${result.label}/${writer}: its changes are at the seqs it was told, in its order`,
      );
    }
  }
  assertOutdatedChains(t, stored);
  t.deepEqual(
    (await store.changeLog.latest(projectId)).map((item) => item.entityId).sort(),
    range(0, 6).map((index) => `doc-${index}`),
  );
  t.like(await store.changeLog.stats(projectId), { total, latestSeq: total, outdated: total - 7 });
  const transactions = results.reduce((sum, result) => sum + result.counters.transactions, 0);
  t.true(transactions < total / 2, `${transactions} transactions for ${total} changes`);
  t.log(`transactions ${transactions}, attempts lost to the other process ${results.map((result) => result.counters.conflicts).join(' + ')}`);
});
