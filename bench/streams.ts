import { randomUUID } from 'node:crypto';
import { openStore } from '../entities/index.ts';
import type { Connection } from 'tablekit';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function latency(store: Awaited<ReturnType<typeof openStore>>, subscribers: number, writes: number) {
  const user = await store.entities.user.create({
    userId: randomUUID(),
    email: `bench.${randomUUID()}@example.com`,
    firstName: 'B',
    lastName: 'L',
    isActive: true,
  });
  const acknowledged = new Map<number, number>();
  // An emission can even beat the continuation after `await update()`: keep emission times and pair them at the end.
  const emitted: { version: number; at: number }[] = [];
  let started = 0;
  const stops = Array.from({ length: subscribers }, () =>
    store.entities.user.stream(user.userId).subscribe({
      next: (item) => {
        emitted.push({ version: item.version, at: performance.now() });
      },
      start: () => started++,
    }),
  );
  while (started < subscribers) await new Promise((resolve) => setTimeout(resolve, 5));
  for (let index = 0; index < writes; index++) {
    const updated = await store.entities.user.patch(user.userId, { set: { lastName: `L${index}` } });
    acknowledged.set(updated.version, performance.now());
  }
  const expected = (writes + 1) * subscribers;
  const deadline = Date.now() + 30_000;
  while (emitted.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  stops.forEach((stop) => stop());
  if (emitted.length !== expected) throw new Error(`expected ${expected} emissions (initial + every write, per subscriber), got ${emitted.length}`);
  const latencies = emitted
    .filter(({ version }) => acknowledged.has(version))
    .map(({ version, at }) => Math.max(0, at - (acknowledged.get(version) as number)));
  if (latencies.length !== writes * subscribers) throw new Error(`expected ${writes * subscribers} write emissions, got ${latencies.length}`);
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? NaN };
}

async function throughput(store: Awaited<ReturnType<typeof openStore>>, count: number) {
  let seen = 0;
  let live = false;
  const stop = store.table
    .changes()
    .subscribe({ next: (change) => void (change.entity === 'videoProgress' && change.type === 'insert' && seen++), start: () => (live = true) });
  while (!live) await new Promise((resolve) => setTimeout(resolve, 5));
  const userId = randomUUID();
  const started = performance.now();
  await store.entities.videoProgress.saveAll(
    Array.from({ length: count }, (_, index) => ({
      userId,
      videoId: `v${index}`,
      positionSeconds: 1,
      durationSeconds: 10,
      completed: false,
      updatedAt: new Date().toISOString(),
      ttl: 2_000_000_000,
    })),
  );
  const written = performance.now();
  const deadline = Date.now() + 60_000;
  while (seen < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  const done = performance.now();
  stop();
  if (seen !== count) throw new Error(`the reader delivered ${seen} of ${count} records`);
  return { rate: count / ((done - started) / 1000), lagAfterLastWrite: done - written };
}

/** Write-to-emission latency with 1 and 20 subscribers, and what one reader delivers. */
export async function streamsBench(connection: Connection, quick: boolean) {
  const store = await openStore({ connection, tableName: `bench-streams-${Date.now()}` });
  try {
    const writes = quick ? 100 : 1000;
    return {
      writes,
      one: await latency(store, 1, writes),
      twenty: await latency(store, 20, writes),
      delivery: await throughput(store, quick ? 2000 : 10_000),
    };
  } finally {
    await store.table.delete();
    await store.close();
  }
}
