/** Entities and a stream-enabled table shared by the stream tests (each test binds its own physical table). */
import { z } from 'zod';
import { defineEntity, defineTable, type InferInput } from '../../src/index.ts';
import { openTable, type Backend, type TestTable } from '../support/db.ts';

/** A versioned note with a GSI access pattern: an owner's notes ordered by id. */
export const Note = defineEntity({
  name: 'note',
  schema: z.object({
    id: z.string().min(1),
    owner: z.string().min(1),
    title: z.string(),
    priority: z.int().min(0),
    n: z.int().min(0),
  }),
  keys: {
    primary: { pk: ['id'], sk: [] },
    byOwner: { index: 'gsi1', pk: ['owner'], sk: ['id'] },
  },
  timestamps: true,
  versioned: true,
});

/** Another entity with the same id attribute, so the same id value exists in both; `secret` is hidden. */
export const Tag = defineEntity({
  name: 'tag',
  schema: z.object({ id: z.string().min(1), label: z.string(), secret: z.string().optional() }),
  keys: { primary: { pk: ['id'], sk: [] } },
  timestamps: true,
  versioned: true,
  hidden: ['secret'],
});

/** An entity with typed fields that need decoding (dates, nested objects, an empty map). */
export const Event = defineEntity({
  name: 'event',
  schema: z.object({
    id: z.string().min(1),
    title: z.string(),
    when: z.date(),
    place: z.object({ city: z.string(), since: z.date() }),
    meta: z.record(z.string(), z.string()),
  }),
  keys: { primary: { pk: ['id'], sk: [] } },
  timestamps: true,
  versioned: true,
});

/** Streams on (the default NEW_AND_OLD_IMAGES), no TTL. */
export const StreamTable = defineTable({
  name: 'streams',
  entities: { note: Note, tag: Tag, event: Event },
  ttlAttribute: false,
});

export const note = (id: string, overrides: Partial<InferInput<typeof Note>> = {}): InferInput<typeof Note> => ({
  id,
  owner: 'alice',
  title: `note ${id}`,
  priority: 1,
  n: 0,
  ...overrides,
});

export type StreamEntities = (typeof StreamTable)['entities'];

const opened: TestTable<StreamEntities>[] = [];

/** A fresh StreamTable on the backend; every one is disposed by `disposeTables()` (call it in test.after.always). */
export async function streamTable(backend: Backend, label: string): Promise<TestTable<StreamEntities>> {
  const handle = await openTable(backend, StreamTable, `${label}-${backend}`);
  opened.push(handle);
  return handle;
}

export async function disposeTables(): Promise<void> {
  for (const handle of opened.splice(0)) {
    handle.table.closeStreams();
    await handle.dispose().catch(() => undefined);
  }
}
