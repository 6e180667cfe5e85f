import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Connection } from 'tablekit';
import { ChangeLog, type ChangeInput } from 'tablekit/services';
import { ChangeLogTable } from './tables.ts';

type Log = ChangeLog;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
/** Each writer edits its own 10 entities, so 8 writers touch 80: within the sequence's recent heads (128). */
const change = (writer: number, index: number, entities = 10): ChangeInput => ({
  entityType: 'doc',
  entityId: `doc-${writer}-${index % entities}`,
  operation: 'update',
  data: { writer, index },
});

/** Gapless 1..n and each caller's seqs increasing: what the callers were told is the log. */
function checkReturned(seqs: number[][], total: number, label: string) {
  const all = seqs.flat().sort((a, b) => a - b);
  if (all.length !== total || all.some((seq, index) => seq !== index + 1)) throw new Error(`${label}: the callers were not given exactly 1..${total}`);
  for (const mine of seqs)
    if (mine.some((seq, index) => index > 0 && seq <= (mine[index - 1] as number))) throw new Error(`${label}: a writer's seqs went backwards`);
}

async function checkStats(log: Log, projectId: string, total: number, label: string) {
  const stats = await log.stats(projectId);
  if (stats.total !== total || stats.latestSeq !== total)
    throw new Error(`${label}: expected ${total} changes, found ${stats.total} (latest ${stats.latestSeq})`);
}

export interface Run {
  rate: number;
  conflicts: number;
  transactions: number;
  changes: number;
}

async function writers(log: Log, count: number, perWriter: number, entities = 10): Promise<Run> {
  const projectId = `bench-${count}w-${Date.now()}-${Math.random()}`;
  const before = { ...log.counters };
  const started = performance.now();
  const seqs = await Promise.all(
    Array.from({ length: count }, async (_, writer) => {
      const mine: number[] = [];
      for (let index = 0; index < perWriter; index++) mine.push((await log.append(projectId, change(writer, index, entities))).seq);
      return mine;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  checkReturned(seqs, count * perWriter, `${count} writers`);
  await checkStats(log, projectId, count * perWriter, `${count} writers`);
  return {
    rate: (count * perWriter) / seconds,
    conflicts: log.counters.conflicts - before.conflicts,
    transactions: log.counters.transactions - before.transactions,
    changes: count * perWriter,
  };
}

/** appendMany(25): the same 25 entities every batch (each supersedes its previous change), 25 new entities per batch, or one entity. */
async function batches(log: Log, total: number, entities: 'same 25' | 'new 25' | 'one'): Promise<number> {
  const projectId = `bench-batch-${Date.now()}-${Math.random()}`;
  const started = performance.now();
  for (let offset = 0; offset < total; offset += 25) {
    const batch = Array.from({ length: Math.min(25, total - offset) }, (_, i): ChangeInput => {
      const entityId = entities === 'one' ? 'doc-0' : entities === 'same 25' ? `doc-${i}` : `doc-${offset + i}`;
      return { entityType: 'doc', entityId, operation: entities === 'new 25' ? 'create' : 'update', data: { i: offset + i } };
    });
    await log.appendMany(projectId, batch);
  }
  const seconds = (performance.now() - started) / 1000;
  await checkStats(log, projectId, total, `appendMany (${entities})`);
  return total / seconds;
}

/** Two processes × 4 writers on one project, each process with its own ChangeLog; wall time from a common start. */
async function twoProcesses(connection: Connection, tableName: string, perWriter: number) {
  const projectId = `bench-processes-${Date.now()}`;
  const script = fileURLToPath(new URL('./change-log-writer.ts', import.meta.url));
  const children = ['a', 'b'].map((label) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, DYNAMODB_ENDPOINT: connection.endpoint ?? '', TABLE: tableName, PROJECT: projectId, LABEL: label, PER_WRITER: String(perWriter) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('ready\n')) resolve();
      }),
    );
    const done = once(child, 'exit').then(([code]) => {
      if (code !== 0) throw new Error(`writer process ${label} exited with ${code}`);
      return JSON.parse(output.split('\n').find((line) => line.startsWith('{')) ?? '{}') as {
        seqs: number[][];
        counters: { transactions: number; conflicts: number };
      };
    });
    return { child, ready, done };
  });
  await Promise.all(children.map((child) => child.ready));
  const started = performance.now();
  for (const { child } of children) child.stdin.end('go\n');
  const results = await Promise.all(children.map((child) => child.done));
  const seconds = (performance.now() - started) / 1000;
  const total = 2 * 4 * perWriter;
  checkReturned(
    results.flatMap((result) => result.seqs),
    total,
    '2 processes',
  );
  const log = new ChangeLog(ChangeLogTable.bind(connection, { tableName }));
  await checkStats(log, projectId, total, '2 processes');
  return {
    rate: total / seconds,
    conflicts: results.reduce((sum, result) => sum + result.counters.conflicts, 0),
    transactions: results.reduce((sum, result) => sum + result.counters.transactions, 0),
    changes: total,
  };
}

/**
 * What DynamoDB Local charges per transaction item, measured on the change log's table: hand-written
 * TransactWriteItems of a counter and n−1 change-shaped items (both GSIs), sizes taking turns.
 * It bounds what batching can gain once an append is one transaction.
 */
async function rawTransactions(connection: Connection, tableName: string, sizes: readonly number[], rounds: number) {
  let seq = 0;
  const item = () => {
    const key = `$change_1#seq_${String(++seq).padStart(16, '0')}`;
    return { pk: 'raw', sk: key, gsi1pk: `raw#${seq % 25}`, gsi1sk: key, gsi2pk: 'raw#doc', gsi2sk: key, data: { seq }, __edb_e__: 'change', __edb_v__: '1' };
  };
  const send = (size: number) =>
    connection.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: { pk: 'raw', sk: 'counter' },
              UpdateExpression: 'SET #v = :v',
              ExpressionAttributeNames: { '#v': 'value' },
              ExpressionAttributeValues: { ':v': seq },
            },
          },
          ...Array.from({ length: size - 1 }, () => ({ Put: { TableName: tableName, Item: item(), ConditionExpression: 'attribute_not_exists(pk)' } })),
        ],
      }),
    );
  const times = new Map<number, number[]>(sizes.map((size) => [size, []]));
  for (let round = 0; round < rounds; round++) {
    for (const size of sizes) {
      const started = performance.now();
      for (let index = 0; index < 10; index++) await send(size);
      times.get(size)?.push((performance.now() - started) / 10);
    }
  }
  return sizes.map((size) => ({ items: size, ms: median(times.get(size) ?? []) }));
}

/**
 * E: change-log throughput on ONE project. Each workload runs right after a single-writer run of
 * its own, and its ratio is taken to that run (the machine's load drifts less in between); the
 * workloads take turns in rounds, their order rotating. Every run is checked: the callers got
 * exactly 1..n, each writer's seqs increase, and stats() finds n changes with latest seq n.
 */
export async function changeLogBench(connection: Connection, quick: boolean) {
  const table = ChangeLogTable.bind(connection, { tableName: `bench-changes-${Date.now()}` });
  await table.ensure();
  const log = new ChangeLog(table);
  const perWriter = quick ? 15 : 50;
  const rounds = quick ? 2 : 5;
  const batchTotal = quick ? 250 : 750;
  const batched = (entities: 'same 25' | 'new 25' | 'one') => async (): Promise<Run> => {
    const before = log.counters.transactions;
    const rate = await batches(log, batchTotal, entities);
    return { rate, conflicts: 0, transactions: log.counters.transactions - before, changes: batchTotal };
  };
  const workloads: [string, () => Promise<Run>][] = [
    ['4 writers, single append', () => writers(log, 4, perWriter)],
    ['8 writers, single append', () => writers(log, 8, perWriter)],
    ['8 writers, 40 entities each (past the recent heads)', () => writers(log, 8, perWriter, 40)],
    ['2 processes × 4 writers, single append', () => twoProcesses(connection, table.tableName, perWriter)],
    ['1 writer, appendMany(25), same 25 entities', batched('same 25')],
    ['1 writer, appendMany(25), new 25 entities', batched('new 25')],
    ['1 writer, appendMany(25), all of one entity', batched('one')],
  ];
  const runs = new Map<string, { run: Run; ratio: number }[]>();
  const push = (label: string, run: Run, ratio: number) => runs.set(label, [...(runs.get(label) ?? []), { run, ratio }]);
  try {
    await writers(log, 1, 20);
    for (let round = 0; round < rounds; round++) {
      const start = round % workloads.length;
      for (const [label, workload] of [...workloads.slice(start), ...workloads.slice(0, start)]) {
        const base = await writers(log, 1, perWriter * 2);
        push('1 writer, single append', base, 1);
        const run = await workload();
        push(label, run, run.rate / base.rate);
      }
    }
    const raw = await rawTransactions(connection, table.tableName, [3, 10, 27], rounds * 4);
    const rows = [...runs].map(([workload, entries]) => ({
      workload,
      rate: median(entries.map(({ run }) => run.rate)),
      ratio: median(entries.map(({ ratio }) => ratio)),
      rounds: entries.length,
      conflicts: entries.reduce((sum, { run }) => sum + run.conflicts, 0),
      changesPerTransaction: entries.reduce((sum, { run }) => sum + run.changes, 0) / entries.reduce((sum, { run }) => sum + run.transactions, 0),
    }));
    return { rows, raw };
  } finally {
    await table.delete();
  }
}

/** Bench-only: 8 writers × n single appends on one project; the stored log read back in full and checked. */
export async function bigAppends(connection: Connection, perWriter: number) {
  const table = ChangeLogTable.bind(connection, { tableName: `bench-big-appends-${Date.now()}` });
  await table.ensure();
  try {
    const log = new ChangeLog(table);
    const projectId = `bench-big-${Date.now()}`;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        for (let index = 0; index < perWriter; index++) await log.append(projectId, change(writer, index));
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const next = new Map<number, number>();
    let seq = 0;
    for await (const page of log.paginate(projectId, 0, { pageSize: 1000 })) {
      for (const item of page) {
        if (item.seq !== ++seq) throw new Error(`gap at ${seq}`);
        const writer = Number(item.data.writer);
        if (item.data.index !== (next.get(writer) ?? 0)) throw new Error(`writer ${writer} out of order at seq ${item.seq}`);
        next.set(writer, Number(item.data.index) + 1);
      }
    }
    if (seq !== 8 * perWriter) throw new Error(`read ${seq} of ${8 * perWriter} changes`);
    return { total: 8 * perWriter, rate: (8 * perWriter) / seconds, transactions: log.counters.transactions, conflicts: log.counters.conflicts };
  } finally {
    await table.delete();
  }
}

/** Bench-only: since() paging through n changes (pages of 1,000, consistent reads), peak RSS growth. */
export async function paging(connection: Connection, total: number) {
  const table = ChangeLogTable.bind(connection, { tableName: `bench-paging-${Date.now()}` });
  await table.ensure();
  try {
    const log = new ChangeLog(table);
    const projectId = `bench-paging-${Date.now()}`;
    for (let offset = 0; offset < total; offset += 98) {
      await log.appendMany(
        projectId,
        Array.from({ length: Math.min(98, total - offset) }, (_, i) => change(0, offset + i, 20)),
      );
    }
    (globalThis as { gc?: () => void }).gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let last = 0;
    let outdated = 0;
    const started = performance.now();
    for await (const page of log.paginate(projectId, 0, { pageSize: 1000 })) {
      for (const item of page) {
        if (item.seq !== last + 1) throw new Error(`paging skipped from ${last} to ${item.seq}`);
        last = item.seq;
        if (item.outdatedBy !== undefined) outdated++;
      }
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = (performance.now() - started) / 1000;
    if (last !== total) throw new Error(`paged ${last} of ${total}`);
    // 20 entities cycling: every change but the last of each entity is outdated, and says so.
    if (outdated !== total - 20) throw new Error(`${outdated} outdated changes, expected ${total - 20}`);
    return { total, rate: total / seconds, rssGrowthMb: (peak - baseline) / 2 ** 20 };
  } finally {
    await table.delete();
  }
}
