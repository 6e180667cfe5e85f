/**
 * Fixtures of the schema tests (schema.test.ts, schema-validation.test.ts): an entity with one
 * field of every supported kind, a valid item of it, and helpers for thrown validation errors.
 */
import { z } from 'zod';
import { defineEntity, RepositoryError } from '../../src/index.ts';

/** An entity with one field of every supported kind. */
export const Everything = defineEntity({
  name: 'everything',
  schema: z.object({
    id: z.string(),
    count: z.number(),
    flag: z.boolean(),
    status: z.enum(['draft', 'live']),
    kind: z.literal('widget'),
    note: z.string().optional(),
    score: z.number().nullable(),
    enabled: z.boolean().default(true),
    tags: z.array(z.string()),
    meta: z.object({ width: z.number(), label: z.string().optional(), seen: z.date() }),
    counters: z.record(z.string(), z.number()),
    at: z.date(),
    labels: z.set(z.string()),
    scores: z.set(z.number()),
    states: z.set(z.enum(['a', 'b'])).optional(),
    blob: z.instanceof(Uint8Array),
  }),
  keys: { primary: { pk: ['id'], sk: [] } },
  versioned: false,
});

export const validEverything = () => ({
  id: 'e-1',
  count: 3,
  flag: false,
  status: 'live' as const,
  kind: 'widget' as const,
  score: null,
  tags: ['a', 'b'],
  meta: { width: 7, seen: new Date('2026-02-03T04:05:06.789Z') },
  counters: { views: 10 },
  at: new Date('2026-01-01T00:00:00.000Z'),
  labels: new Set(['x']),
  scores: new Set<number>(),
  blob: new Uint8Array([1, 2, 3]),
});

/** Calls `fn` and returns the thrown error, failing the test if nothing is thrown. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, but the call returned normally');
}

export function validationError(fn: () => unknown): RepositoryError {
  const error = thrown(fn);
  if (!(error instanceof RepositoryError)) throw new Error(`expected a RepositoryError, got ${error.name}: ${error.message}`);
  if (error.code !== 'validation') throw new Error(`expected code 'validation', got '${error.code}': ${error.message}`);
  return error;
}
