import { openStore } from '../entities/index.ts';
const store = await openStore({ tableName: `scratch-${Date.now()}` });
const r = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
for (let k = 0; k < 2; k++) {
let t0 = performance.now();
const ts = new Date().toISOString();
const res = await store.entities.change.saveAll(r(1050).map((seq) => ({ projectId: `s${k}`, seq, entityType: 'doc', entityId: `d-${seq}`, operation: 'create' as const, timestamp: ts, data: { seq } })), { concurrency: 8 });
await store.entities.sequence.save({ projectId: `s${k}`, value: 1050 });
console.log('saveAll 1050', (performance.now() - t0).toFixed(0), res);
t0 = performance.now();
await store.changeLog.appendMany(`a${k}`, r(1050).map((i) => ({ entityType: 'doc', entityId: `d-${i % 5}`, operation: 'update' as const, data: { i } })));
console.log('appendMany 1050', (performance.now() - t0).toFixed(0));
}
await store.table.delete(); await store.close();
