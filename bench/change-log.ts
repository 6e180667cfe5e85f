import type { Connection } from 'tablekit';
import { ChangeLog } from 'tablekit/services';
import { ChangeLogTable } from './tables.ts';

type Store = { changeLog: ChangeLog };
const change = (writer: number, index: number) => ({
  entityType: 'doc',
  entityId: `doc-${writer}-${index % 20}`,
  operation: 'update' as const,
  data: { writer, index },
});

async function writers(store: Store, count: number, perWriter: number) {
  const projectId = `bench-${count}-${Date.now()}`;
  const before = { ...store.changeLog.counters };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, writer) =>
      (async () => {
        for (let index = 0; index < perWriter; index++) await store.changeLog.append(projectId, change(writer, index));
      })(),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const stats = await store.changeLog.stats(projectId);
  if (stats.total !== count * perWriter || stats.latestSeq !== count * perWriter)
    throw new Error(`expected ${count * perWriter} changes, found ${stats.total}`);
  return { rate: (count * perWriter) / seconds, conflicts: store.changeLog.counters.conflicts - before.conflicts };
}

async function batches(store: Store, batchSize: number, total: number, entities: 'distinct' | 'one') {
  const projectId = `bench-batch-${entities}-${Date.now()}`;
  const started = performance.now();
  for (let offset = 0; offset < total; offset += batchSize) {
    await store.changeLog.appendMany(
      projectId,
      Array.from({ length: Math.min(batchSize, total - offset) }, (_, i) => (entities === 'one' ? { ...change(0, 0), data: { i } } : change(0, offset + i))),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const stats = await store.changeLog.stats(projectId);
  if (stats.total !== total) throw new Error(`expected ${total} changes, found ${stats.total}`);
  return total / seconds;
}

async function paging(store: Store, total: number) {
  const projectId = `bench-paging-${Date.now()}`;
  for (let offset = 0; offset < total; offset += 99) {
    await store.changeLog.appendMany(
      projectId,
      Array.from({ length: Math.min(99, total - offset) }, (_, i) => change(0, offset + i)),
    );
  }
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let seen = 0;
  let last = 0;
  const started = performance.now();
  for await (const page of store.changeLog.paginate(projectId, 0, { pageSize: 1000 })) {
    for (const item of page) {
      if (item.seq !== last + 1) throw new Error(`paging skipped from ${last} to ${item.seq}`);
      last = item.seq;
    }
    seen += page.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  if (seen !== total) throw new Error(`paged ${seen} of ${total}`);
  return { total, rate: total / seconds, rssGrowthMb: (peak - baseline) / 2 ** 20 };
}

/** Change log throughput and paging, on its own table. */
export async function changeLogBench(connection: Connection, quick: boolean) {
  const table = ChangeLogTable.bind(connection, { tableName: `bench-changes-${Date.now()}` });
  await table.ensure();
  const store: Store = { changeLog: new ChangeLog(table) };
  try {
    const perWriter = quick ? 10 : 50;
    const single = { 1: await writers(store, 1, perWriter * 2), 4: await writers(store, 4, perWriter), 8: await writers(store, 8, perWriter) };
    const batched = await batches(store, 25, quick ? 500 : 5000, 'distinct');
    const batchedOneEntity = await batches(store, 25, quick ? 500 : 5000, 'one');
    const paged = await paging(store, quick ? 5000 : 100_000);
    return { single, batched, batchedOneEntity, paged };
  } finally {
    await table.delete();
  }
}
