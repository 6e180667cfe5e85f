import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Connection } from 'tablekit';
import { contenderNames, contenders, newUser, type Op, type Operations, ops, REFERENCE, referenceContender, type UserInput } from './contenders.ts';
import { countRequests, perOperation } from './requests.ts';

export type PerOp = Record<Op, number>;
export interface Interleaved {
  names: string[];
  /** µs per operation, per round and contender. */
  perRound: Record<string, PerOp>[];
  /** Requests each op sent, per contender (from the last round). */
  requests: Record<string, Record<Op, string>>;
}

/**
 * One operation on one item, its result verified: get and patch return that item, query exactly
 * it, and (`strict`, against a real table) patch returns the counter moved.
 */
export async function runOp(operations: Operations, op: Op, item: UserInput, strict = true): Promise<void> {
  if (op === 'put') await operations.put(item);
  else if (op === 'get') {
    const found = await operations.get(item.userId);
    if (found?.userId !== item.userId) throw new Error(`get returned the wrong item for ${item.userId}`);
  } else if (op === 'query') {
    const found = await operations.query(item.email);
    if (found.length !== 1 || found[0]?.userId !== item.userId) throw new Error(`query by ${item.email} returned ${found.length} items`);
  } else if (op === 'save') await operations.save(item);
  else {
    const patched = await operations.patch(item.userId);
    if (patched?.userId !== item.userId || typeof patched.logins !== 'number' || (strict && patched.logins < 1))
      throw new Error(`patch of ${item.userId} returned ${JSON.stringify(patched)}`);
  }
}

/**
 * Rounds of put, get, query, save, patch over `count` fresh items per contender. Within an
 * operation the contenders take turns every `block` items (the first one rotating), so a machine
 * that slows down or speeds up affects them alike. Returns µs/op per round and the requests sent.
 */
export async function interleaved(
  connection: Connection,
  tableName: string,
  rounds: number,
  count: number,
  { strict = true, block = 1, reference }: { strict?: boolean; block?: number; reference?: DynamoDBClient } = {},
): Promise<Interleaved> {
  const all: Record<string, Operations> = {
    ...contenders(connection, tableName),
    ...(reference ? { [REFERENCE]: referenceContender(reference, tableName) } : {}),
  };
  const names: string[] = [...contenderNames, ...(reference ? [REFERENCE] : [])];
  const counters = [countRequests(connection.client), ...(reference ? [countRequests(reference)] : [])];
  const take = () => counters.flatMap((counter) => counter.take());
  // Warm-up: every contender and operation, a few items each.
  for (const name of names)
    for (const item of Array.from({ length: Math.min(count, 100) }, newUser)) for (const op of ops) await runOp(all[name] as Operations, op, item, strict);
  const perRound: Record<string, PerOp>[] = [];
  const requests: Record<string, Record<Op, string>> = {};
  for (let round = 0; round < rounds; round++) {
    const items = Object.fromEntries(names.map((name) => [name, Array.from({ length: count }, newUser)])) as Record<string, UserInput[]>;
    const nanos = Object.fromEntries(names.map((name) => [name, { put: 0, get: 0, query: 0, save: 0, patch: 0 }])) as Record<string, PerOp>;
    for (const op of ops) {
      const sent = Object.fromEntries(names.map((name) => [name, [] as string[]])) as Record<string, string[]>;
      for (let first = 0; first < count; first += block) {
        for (let turn = 0; turn < names.length; turn++) {
          const name = names[(first / block + turn + round) % names.length] as string;
          for (let index = first; index < Math.min(count, first + block); index++) {
            take();
            const start = process.hrtime.bigint();
            await runOp(all[name] as Operations, op, items[name]?.[index] as UserInput, strict);
            (nanos[name] as PerOp)[op] += Number(process.hrtime.bigint() - start);
            sent[name]?.push(...take());
          }
        }
      }
      for (const name of names) (requests[name] ??= { put: '', get: '', query: '', save: '', patch: '' })[op] = perOperation(sent[name] ?? [], count);
    }
    perRound.push(
      Object.fromEntries(names.map((name) => [name, Object.fromEntries(ops.map((op) => [op, (nanos[name] as PerOp)[op] / 1000 / count]))])) as Record<
        string,
        PerOp
      >,
    );
  }
  return { names, perRound, requests };
}
