/**
 * Shared fixtures of the conformance suites: the entities, their table, and one factory per
 * backend. Every `open()` gives a repository over an EMPTY store (a fresh DynamoDB table, or a
 * fresh in-memory repository), so tests can run concurrently and `query()` sees only their items.
 */
import type { ExecutionContext } from 'ava';
import { z } from 'zod';
import {
  createRepository,
  defineEntity,
  defineTable,
  InMemoryRepository,
  RepositoryError,
  type Connection,
  type InferInput,
  type Repository,
  type RepositoryErrorCode,
  type RepositoryOptions,
  type RetryPolicy,
} from '../../src/index.ts';
import { openTestTable } from '../support/db.ts';

/** kiss's Product, with a GSI access pattern: every product of a name, ordered by id. */
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
  versioned: true,
});

/** A counter for the optimistic-locking tests. */
export const Counter = defineEntity({
  name: 'counter',
  schema: z.object({ id: z.string().min(1), count: z.int().min(0) }),
  keys: { primary: { pk: ['id'], sk: [] } },
  timestamps: true,
  versioned: true,
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
    address: z.object({
      street: z.string(),
      zip: z.string().optional(),
      since: z.date(),
      geo: z.object({ lat: z.number(), lng: z.number() }),
    }),
    history: z.array(z.object({ at: z.date(), label: z.string(), done: z.boolean() })),
    labels: z.record(z.string(), z.string()),
    scores: z.record(z.string(), z.number()),
    milestones: z.record(z.string(), z.date()),
  }),
  keys: { primary: { pk: ['id'], sk: [] } },
  timestamps: true,
  versioned: true,
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
  versioned: true,
});

/** One table for every fixture entity; no TTL and no streams, so tables are created quickly. */
export const ConformanceTable = defineTable({
  name: 'conformance',
  entities: { product: Product, counter: Counter, aggregate: Aggregate, enrollment: Enrollment },
  ttlAttribute: false,
  streams: false,
});

/** The same table with its DynamoDB Stream on (NEW_AND_OLD_IMAGES), for the streaming tests. */
export const StreamingConformanceTable = defineTable({
  name: 'conformance-streams',
  entities: { product: Product, counter: Counter, aggregate: Aggregate, enrollment: Enrollment },
  ttlAttribute: false,
});

export type FixtureEntity = typeof Product | typeof Counter | typeof Aggregate | typeof Enrollment;

export interface RepoHandle<E extends FixtureEntity> {
  repo: Repository<E>;
  /** The DynamoDB connection (undefined in memory): for fault injection. */
  connection: Connection | undefined;
  dispose(): Promise<void>;
}

export interface OpenOptions extends RepositoryOptions {
  /** Retries of unprocessed batch items (DynamoDB only). */
  batchRetry?: Partial<RetryPolicy>;
  /** A table with its stream enabled, for stream()/streamQuery() (DynamoDB only; memory always streams). */
  streams?: boolean;
}

export interface Backend {
  readonly name: 'dynamo' | 'memory';
  /** A repository over an empty store. */
  open<E extends FixtureEntity>(entity: E, options?: OpenOptions): Promise<RepoHandle<E>>;
}

export const dynamoBackend: Backend = {
  name: 'dynamo',
  async open<E extends FixtureEntity>(entity: E, options: OpenOptions = {}): Promise<RepoHandle<E>> {
    const { streams, ...repositoryOptions } = options;
    const opened = streams ? await openTestTable(StreamingConformanceTable, `conf-live-${entity.name}`) : await openTestTable(ConformanceTable, `conf-${entity.name}`);
    const repo = createRepository(entity, { table: opened.table, ...repositoryOptions });
    return {
      repo,
      connection: opened.connection,
      async dispose() {
        await repo.dispose();
        await opened.dispose();
      },
    };
  },
};

export const memoryBackend: Backend = {
  name: 'memory',
  async open<E extends FixtureEntity>(entity: E, options: OpenOptions = {}): Promise<RepoHandle<E>> {
    const { batchRetry: _ignored, streams: _always, ...repositoryOptions } = options;
    const repo = new InMemoryRepository(entity, repositoryOptions);
    return { repo, connection: undefined, dispose: () => repo.dispose() };
  },
};

/** The factory the kiss and dddart suites take: an empty Product repository (`streams: true` for the streaming tests). */
export type ProductRepoFactory = (options?: { streams?: boolean }) => Promise<{ repo: Repository<typeof Product>; dispose(): Promise<void> }>;

export const productFactory =
  (backend: Backend): ProductRepoFactory =>
  (options = {}) =>
    backend.open(Product, options);

/** Runs `body` with a fresh repository and always disposes it. */
export async function withRepo<R extends { dispose(): Promise<void> }, T>(factory: () => Promise<R>, body: (handle: R) => Promise<T>): Promise<T> {
  const handle = await factory();
  try {
    return await body(handle);
  } finally {
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
  return rest as Omit<T, 'createdAt' | 'updatedAt' | 'version'>;
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

