import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { Connection } from 'tablekit';
import { contenderNames, contenders, type ContenderName, newUser, type UserInput } from './contenders.ts';
import { userKey } from './peers.ts';
import { UserTable } from './tables.ts';

/** 10 operations: 7 gets, 2 patches, 1 query. */
const pattern = ['get', 'get', 'patch', 'get', 'query', 'get', 'get', 'patch', 'get', 'get'] as const;
const CLIENTS = 8;

/** A small deterministic PRNG, so every contender sees the same sequence of items in a round. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface MixedResult {
  /** ops/s per round and contender. */
  rates: Record<string, number[]>;
  /** p99 latency (ms) per round and contender. */
  p99: Record<string, number[]>;
  ops: number;
  items: number;
}

/**
 * M: 70 % get, 20 % patch (atomic counter), 10 % query by e-mail, from 8 concurrent clients, on
 * items each contender wrote itself. Contenders take turns by round (order rotating), all on the
 * same item sequence. Every result is checked, and at the end every item's counter must equal
 * the patches it received.
 */
export async function mixedRounds(connection: Connection, rounds: number, opsPerRound: number, itemsPerContender: number): Promise<MixedResult> {
  const table = UserTable.bind(connection, { tableName: `bench-mixed-${Date.now()}` });
  await table.ensure();
  try {
    const all = contenders(connection, table.tableName);
    const items = {} as Record<ContenderName, UserInput[]>;
    const patched = {} as Record<ContenderName, Map<string, number>>;
    const limit = pLimit(CLIENTS);
    for (const name of contenderNames) {
      items[name] = Array.from({ length: itemsPerContender }, newUser);
      patched[name] = new Map();
      await Promise.all(items[name].map((item) => limit(() => all[name].put(item))));
    }
    const rates: Record<string, number[]> = Object.fromEntries(contenderNames.map((name) => [name, []]));
    const p99: Record<string, number[]> = Object.fromEntries(contenderNames.map((name) => [name, []]));
    for (let round = -1; round < rounds; round++) {
      // Round -1 warms every contender up and is not counted.
      const count = round < 0 ? Math.min(opsPerRound, 400) : opsPerRound;
      for (let turn = 0; turn < contenderNames.length; turn++) {
        const name = contenderNames[(turn + Math.max(0, round)) % contenderNames.length] as ContenderName;
        const operations = all[name];
        const latencies: number[] = [];
        const started = performance.now();
        await Promise.all(
          Array.from({ length: CLIENTS }, async (_, client) => {
            const next = random(round * 1000 + client + 7);
            for (let index = client; index < count; index += CLIENTS) {
              const item = items[name][Math.floor(next() * itemsPerContender)] as UserInput;
              const kind = pattern[index % pattern.length];
              const opStarted = performance.now();
              if (kind === 'get') {
                const found = await operations.get(item.userId);
                if (found?.userId !== item.userId) throw new Error(`${name}: get returned the wrong item`);
              } else if (kind === 'query') {
                const found = await operations.query(item.email);
                if (found.length !== 1 || found[0]?.userId !== item.userId) throw new Error(`${name}: query returned ${found.length} items`);
              } else {
                const result = await operations.patch(item.userId);
                if (result?.userId !== item.userId) throw new Error(`${name}: patch returned the wrong item`);
                patched[name].set(item.userId, (patched[name].get(item.userId) ?? 0) + 1);
              }
              latencies.push(performance.now() - opStarted);
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        if (round < 0) continue;
        latencies.sort((a, b) => a - b);
        rates[name]?.push(count / seconds);
        p99[name]?.push(latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN);
      }
    }
    // Every counter holds exactly the patches sent to it: no lost or doubled update.
    for (const name of contenderNames) {
      for (let index = 0; index < items[name].length; index += 100) {
        const keys = items[name].slice(index, index + 100).map((item) => userKey(item.userId));
        let pending: Record<string, unknown>[] = keys;
        let seen = 0;
        while (pending.length > 0) {
          const result = await connection.doc.send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: pending, ConsistentRead: true } } }));
          for (const stored of result.Responses?.[table.tableName] ?? []) {
            seen++;
            const expected = patched[name].get(String(stored.userId)) ?? 0;
            if (stored.logins !== expected) throw new Error(`${name}: ${String(stored.userId)} has logins ${String(stored.logins)}, expected ${expected}`);
          }
          pending = (result.UnprocessedKeys?.[table.tableName]?.Keys ?? []) as Record<string, unknown>[];
        }
        if (seen !== keys.length) throw new Error(`${name}: ${keys.length - seen} items are missing`);
      }
    }
    return { rates, p99, ops: opsPerRound, items: itemsPerContender };
  } finally {
    await table.delete();
  }
}
