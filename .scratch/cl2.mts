import { openStore } from '../entities/index.ts';
import type { Connection } from '../src/index.ts';
const store = await openStore({ tableName: `scratch-${Date.now()}` });
const doc = (store.connection as Connection).doc;
const times: string[] = [];
(doc.middlewareStack as any).add((next: any, ctx: any) => async (args: any) => { const t = performance.now(); const r = await next(args); times.push(`${ctx.commandName} ${(performance.now() - t).toFixed(1)}`); return r; }, { step: 'initialize', name: 'time' });
const p = 'p';
for (let i = 0; i < 5; i++) { times.length = 0; const t0 = performance.now(); await store.changeLog.append(p, { entityType: 'doc', entityId: `d${i % 5}`, operation: 'update', data: {} }); console.log((performance.now() - t0).toFixed(1), times.join(', ')); }
for (let i = 0; i < 3; i++) { times.length = 0; const t0 = performance.now(); await store.entities.sequence.getMany([p]); console.log('getMany', (performance.now() - t0).toFixed(1), times.join(', ')); }
for (let i = 0; i < 3; i++) { times.length = 0; const t0 = performance.now(); await store.entities.sequence.get(p); console.log('get', (performance.now() - t0).toFixed(1), times.join(', ')); }
await store.table.delete(); await store.close();
