import { newUser, ops, type Op, type UserInput } from './contenders.ts';
import { stubConnection } from './fake-dynamo.ts';
import { UserTable } from './tables.ts';

type Item = Record<string, unknown>;
interface Builder {
  add(values: Item): Builder;
  set(values: Item): Builder;
  params(): Item;
}
interface ElectroBuilders {
  create(item: Item): Builder;
  get(key: Item): Builder;
  upsert(item: Item): Builder;
  patch(key: Item): Builder;
  query: Record<string, (key: Item) => Builder>;
}

/** Per op, µs for each of `rounds` runs over `count` items. */
export type ParamsResult = Record<string, Record<Op, number[]>>;

const withManaged = (item: UserInput) => {
  const now = new Date().toISOString();
  return { ...item, createdAt: now, updatedAt: now, version: 1 };
};

/**
 * A: building the request without the SDK. ElectroDB's `.params()`, and tablekit's whole entity
 * API over a DocumentClient stub that answers at once (validation, keys, expressions, decoding,
 * promise hops: everything but the SDK and the network).
 */
export async function measureParams(rounds: number, count: number): Promise<ParamsResult> {
  const table = UserTable.bind(stubConnection(), { tableName: 'bench' });
  const electro = table.electro.entities.user as unknown as ElectroBuilders;
  const members = table.entities.user;
  const items = Array.from({ length: count }, newUser);
  const build: Record<string, Record<Op, (item: UserInput) => unknown>> = {
    'ElectroDB .params()': {
      put: (item) => electro.create(withManaged(item)).params(),
      get: (item) => electro.get({ userId: item.userId }).params(),
      query: (item) => electro.query.byEmail?.({ email: item.email }).params(),
      save: (item) => electro.upsert(withManaged({ ...item, lastName: 'Byron' })).params(),
      patch: (item) => electro.patch({ userId: item.userId }).add({ logins: 1, version: 1 }).set({ updatedAt: new Date().toISOString() }).params(),
    },
    'tablekit entity API, stub DocumentClient': {
      put: (item) => members.create(item),
      get: (item) => members.get(item.userId),
      query: (item) => members.find.byEmail({ email: item.email }),
      save: (item) => members.save({ ...item, lastName: 'Byron' }),
      patch: (item) => members.patch(item.userId, { add: { logins: 1 } }),
    },
  };
  const results: ParamsResult = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, builders] of Object.entries(build)) {
      for (const op of ops) {
        const start = process.hrtime.bigint();
        for (const item of items) await builders[op](item);
        (results[name] ??= { put: [], get: [], query: [], save: [], patch: [] })[op].push(Number(process.hrtime.bigint() - start) / 1000 / count);
      }
    }
  }
  return results;
}
