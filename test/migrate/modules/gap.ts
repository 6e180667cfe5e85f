/** A chain with a gap (v1 → v2, then v3 → v4, table at v4): `tablekit migrate` refuses it before connecting. */
import { z } from 'zod';
import { defineEntity, defineMigration, defineTable } from '../../../src/index.ts';

const schema = z.object({ id: z.string() });
const keys = { primary: { pk: ['id'], sk: [] } } as const;
const V1 = defineEntity({ name: 'thing', version: 1, schema, keys });
const V2 = defineEntity({ name: 'thing', version: 2, schema, keys });
const V3 = defineEntity({ name: 'thing', version: 3, schema, keys });
const V4 = defineEntity({ name: 'thing', version: 4, schema, keys });

export const Things = defineTable({ name: 'things', entities: { thing: V4 } });
export const migrations = [defineMigration({ from: V1, to: V2, up: (item) => item }), defineMigration({ from: V3, to: V4, up: (item) => item })];
