import { openStore } from '../entities/index.ts';
import type { Connection } from '../src/index.ts';
const store = await openStore({ tableName: `scratch-${Date.now()}` });
const doc = (store.connection as Connection).doc;
const times: string[] = [];
(doc.middlewareStack as any).add((next: any, ctx: any) => async (args: any) => { const t = performance.now(); const r = await next(args); times.push(`${ctx.commandName}(${args.input.TransactItems?.length ?? ''}) ${(performance.now() - t).toFixed(0)}`); return r; }, { step: 'initialize', name: 'time' });
const r = (n: number) => Array.from({ length: n }, (_, i) => i);
for (const [n, ents] of [[99, 99], [90, 5], [50, 50], [20, 20]] as const) {
  times.length = 0;
  const t0 = performance.now();
  await store.changeLog.appendMany(`p${n}-${ents}`, r(n).map((i) => ({ entityType: 'doc', entityId: `d-${i % ents}`, operation: 'update' as const, data: { i } })));
  console.log(n, ents, (performance.now() - t0).toFixed(0), times.join(', '));
}
// second round with heads
for (const [n, ents] of [[90, 5], [45, 45]] as const) {
  times.length = 0;
  const t0 = performance.now();
  await store.changeLog.appendMany(`p${n === 90 ? '90-5' : '50-50'}`, r(n).map((i) => ({ entityType: 'doc', entityId: `d-${i % ents}`, operation: 'update' as const, data: { i } })));
  console.log('again', n, ents, (performance.now() - t0).toFixed(0), times.join(', '));
}
// users saveAll 100
times.length = 0; let t0 = performance.now();
await store.entities.videoProgress.saveAll(r(100).map((i) => ({ userId: '0b7c9a2e-5d4f-4c1e-9a8b-3f2e1d0c9b8a', videoId: `v${i}`, positionSeconds: 1, durationSeconds: 2, completed: false, updatedAt: new Date().toISOString(), ttl: 2000000000 })));
console.log('batch 100', (performance.now() - t0).toFixed(0), times.join(', '));
await store.table.delete(); await store.close();
