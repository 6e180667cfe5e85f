/**
 * Shared fixtures of the conformance suites: the entities, their tables, and a fresh table per
 * test on either backend (DynamoDB Local or the in-memory twin), so tests run concurrently and
 * `query()` sees only their own items.
 */
import type { ExecutionContext } from 'ava';
import { z } from 'zod';
import {
  connect,
  defineEntity,
  defineTable,
  RepositoryError,
  type BindOptions,
  type EntityMap,
  type InferInput,
  type RepositoryErrorCode,
  type TableDefinition,
} from '../../src/index.ts';
import { inMemory } from '../../src/testing.ts';
import { openTable, uniqueTableName, type Backend, type TestTable } from '../support/db.ts';

export { backends, type Backend } from '../support/db.ts';

/** kiss's Product, with a GSI access pattern: every product of a name, ordered by id. Versioned by default. */
export const Product = defineEntity({
  name: 'product',
  schema: z.object({
    id: z.string().min(1),
    name: z.string().min(1),
    price: z.number().min(0),
    description: z.string(),
    created: z.date(),
  }),
  keys: {
    primary: { pk: ['id'], sk: [] },
    byName: { index: 'gsi1', pk: ['name'], sk: ['id'] },
  },
  timestamps: true,
});

/** A dddart aggregate with every kind of field, for the round-trip property test. */
export const Aggregate = defineEntity({
  name: 'aggregate',
  schema: z.object({
    id: z.string().min(1),
    title: z.string(),
    count: z.int(),
    ratio: z.number(),
    active: z.boolean(),
    happenedAt: z.date(),
    note: z.string().optional(),
    maybe: z.string().nullable(),
    tags: z.array(z.string()),
    labels: z.set(z.string()),
    points: z.set(z.number()),
    blob: z.instanceof(Uint8Array),
    address: z.object({
      street: z.string(),
      zip: z.string().optional(),
      since: z.date(),
      geo: z.object({ lat: z.number(), lng: z.number() }),
    }),
    history: z.array(z.object({ at: z.date(), label: z.string(), done: z.boolean() })),
    names: z.record(z.string(), z.string()),
    scores: z.record(z.string(), z.number()),
    milestones: z.record(z.string(), z.date()),
  }),
  keys: { primary: { pk: ['id'], sk: [] } },
  timestamps: true,
});

/** A key of several attributes in one part (pk = tenantId + courseId): '#' in them could forge keys. */
export const Enrollment = defineEntity({
  name: 'enrollment',
  schema: z.object({
    tenantId: z.string().min(1),
    courseId: z.string().min(1),
    studentId: z.string().min(1),
    grade: z.number().optional(),
  }),
  keys: { primary: { pk: ['tenantId', 'courseId'], sk: ['studentId'] } },
  timestamps: true,
});

/**
 * Every kind of attribute a patch or a condition can touch, and a pattern with a sort key of two
 * composites (brand, then price), for the bad-input tests.
 */
export const Gadget = defineEntity({
  name: 'gadget',
  schema: z.object({
    id: z.string().min(1),
    category: z.string().min(1),
    brand: z.string().min(1),
    price: z.int().min(0),
    stock: z.int().min(0).default(0),
    label: z.string().default(''),
    tags: z.set(z.string()).default(new Set()),
    notes: z.array(z.string()).max(3).default([]),
    nickname: z.string().optional(),
  }),
  keys: {
    primary: { pk: ['id'] },
    byCategory: { index: 'gsi1', pk: ['category'], sk: ['brand', 'price'] },
  },
  timestamps: true,
});

const entities = { product: Product, aggregate: Aggregate, enrollment: Enrollment, gadget: Gadget } as const;

/** One table for every fixture entity; no TTL and no stream, so tables are created quickly. */
export const ConformanceTable = defineTable({ name: 'conformance', entities, ttlAttribute: false, streams: false });

/** The same table with its DynamoDB Stream on (NEW_AND_OLD_IMAGES), for the streaming tests. */
export const StreamingConformanceTable = defineTable({ name: 'conformance-streams', entities, ttlAttribute: false });

export type ConformanceEntities = typeof ConformanceTable.entities;
export type Handle = TestTable<ConformanceEntities>;

/**
 * A definition bound to a fresh table with bind options (retry budgets): DynamoDB Local through
 * DYNAMODB_ENDPOINT, or a fresh in-memory twin.
 */
export async function openBound<E extends EntityMap>(
  backend: Backend,
  definition: TableDefinition<E>,
  label: string,
  options: BindOptions,
): Promise<TestTable<E>> {
  const connection = backend === 'memory' ? inMemory() : await connect();
  const table = definition.bind(connection, { ...options, tableName: uniqueTableName(label) });
  await table.ensure();
  return {
    connection,
    table,
    async dispose() {
      table.closeStreams();
      if (backend === 'dynamodb') await table.delete();
      await connection.close();
    },
  };
}

export interface OpenOptions {
  /** A table with its stream on, for stream() / streamQuery() (the twin always has its feed). */
  streams?: boolean;
  bind?: BindOptions;
}

/** A fresh, empty conformance table on `backend`. */
export function openConformance(backend: Backend, options: OpenOptions = {}): Promise<Handle> {
  const definition = options.streams ? StreamingConformanceTable : ConformanceTable;
  const label = options.streams ? 'conf-live' : 'conf';
  return options.bind ? openBound(backend, definition, label, options.bind) : openTable(backend, definition, label);
}

/** Runs `body` on a fresh table and always ends its streams and drops it. */
export async function withTable<T>(backend: Backend, body: (handle: Handle) => Promise<T>, options: OpenOptions = {}): Promise<T> {
  const handle = await openConformance(backend, options);
  try {
    return await body(handle);
  } finally {
    handle.table.closeStreams();
    await handle.dispose();
  }
}

export type ProductInput = InferInput<typeof Product>;

let sequence = 0;
/** A valid product; ids are unique within the run. */
export function product(overrides: Partial<ProductInput> = {}): ProductInput {
  sequence++;
  return {
    id: `p-${String(sequence).padStart(5, '0')}-${Math.random().toString(36).slice(2, 8)}`,
    name: 'Widget',
    price: 9.99,
    description: `Product number ${sequence}`,
    created: new Date('2026-01-02T03:04:05.678Z'),
    ...overrides,
  };
}

/** A product split into kiss's IdentifiedObject. */
export function identified(input: ProductInput = product()): { id: string; object: ProductInput } {
  return { id: input.id, object: input };
}

/** The user-visible fields of a stored item (managed fields dropped). */
export function withoutManaged<T extends object>(item: T): Omit<T, 'createdAt' | 'updatedAt' | 'version'> {
  const { createdAt: _c, updatedAt: _u, version: _v, ...rest } = item as T & { createdAt?: unknown; updatedAt?: unknown; version?: unknown };
  return rest;
}

/** Asserts that `run` rejects with a RepositoryError of `code`, and returns it. */
export async function rejectsWith(t: ExecutionContext, run: Promise<unknown> | (() => Promise<unknown>), code: RepositoryErrorCode): Promise<RepositoryError> {
  const error = await t.throwsAsync(typeof run === 'function' ? run : () => run, { instanceOf: RepositoryError });
  if (!error) throw new Error(`expected a RepositoryError '${code}'`);
  t.is(error.code, code, `expected code '${code}', got '${error.code}': ${error.message}`);
  return error;
}

export const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
