import { openStore } from '../entities/index.ts';
import type { Connection } from '../src/index.ts';
const store = await openStore({ tableName: `scratch-${Date.now()}` });
const doc = (store.connection as Connection).doc;
const times: string[] = [];
(doc.middlewareStack as any).add((next: any, ctx: any) => async (args: any) => { const t = performance.now(); const r = await next(args); times.push(`${(performance.now() - t).toFixed(0)}`); return r; }, { step: 'initialize', name: 'time' });
const r = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const ts = new Date().toISOString();
for (const conc of [1, 4, 8]) {
  times.length = 0;
  const t0 = performance.now();
  await store.entities.change.saveAll(r(250).map((seq) => ({ projectId: `c${conc}`, seq, entityType: 'doc', entityId: `d-${seq}`, operation: 'create' as const, timestamp: ts, data: { seq } })), { concurrency: conc });
  console.log('conc', conc, (performance.now() - t0).toFixed(0), times.join(','));
}
times.length = 0;
let t0 = performance.now();
await store.entities.videoProgress.saveAll(r(250).map((i) => ({ userId: '0b7c9a2e-5d4f-4c1e-9a8b-3f2e1d0c9b8a', videoId: `v${i}`, positionSeconds: 1, durationSeconds: 2, completed: false, updatedAt: ts, ttl: 2000000000 })), { concurrency: 1 });
console.log('progress conc1', (performance.now() - t0).toFixed(0), times.join(','));
await store.table.delete(); await store.close();
