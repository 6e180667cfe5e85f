import { $add, GetItemCommand, PutItemCommand, QueryCommand as ToolboxQuery, UpdateItemCommand } from 'dynamodb-toolbox';
import { fakeDynamoClient, stubConnection } from './fake-dynamo.ts';
import { fullItem, type LooseElectro, newUser, ops, type Op, rawRequests, renamed, type UserInput } from './contenders.ts';
import { emailKey, oneTableUsers, toolboxUsers } from './peers.ts';
import { UserTable } from './tables.ts';

/** Per contender and op, µs for each of `rounds` runs over `count` items. */
export type ParamsResult = Record<string, Record<Op, number[]>>;

/**
 * A: building the request without sending it. The hand-written command, ElectroDB's `.params()`,
 * dynamodb-toolbox's `.params()`, OneTable's `{ execute: false }`, and tablekit's whole entity
 * API over a DocumentClient stub that answers at once (validation, keys, expressions, decoding,
 * promise hops: everything but the SDK and the network). Contenders take turns per round.
 */
export async function measureParams(rounds: number, count: number): Promise<ParamsResult> {
  const tableName = 'bench';
  const table = UserTable.bind(stubConnection(), { tableName });
  const electro = table.electro.entities.user as unknown as LooseElectro;
  const toolbox = toolboxUsers(stubConnection().doc, tableName);
  // OneTable with execute: false never sends: the client only has to exist.
  const oneTable = oneTableUsers(fakeDynamoClient(), tableName).users;
  const members = table.entities.user;
  const items = Array.from({ length: count }, newUser);
  const build: Record<string, Record<Op, (item: UserInput) => unknown>> = {
    'raw DocumentClient (command built by hand)': {
      put: (item) => rawRequests.put(tableName, item),
      get: (item) => rawRequests.get(tableName, item.userId),
      query: (item) => rawRequests.query(tableName, item.email),
      save: (item) => rawRequests.save(tableName, renamed(item)),
      patch: (item) => rawRequests.patch(tableName, item.userId),
    },
    'ElectroDB .params()': {
      put: (item) => electro.create(fullItem(item)).params(),
      get: (item) => electro.get({ userId: item.userId }).params({ consistent: true }),
      query: (item) => electro.query.byEmail?.({ email: item.email }).params(),
      save: (item) => electro.upsert(fullItem(renamed(item))).params({ response: 'all_new' }),
      patch: (item) => electro.patch({ userId: item.userId }).add({ logins: 1, version: 1 }).set({ updatedAt: new Date().toISOString() }).params(),
    },
    'dynamodb-toolbox 2 .params()': {
      put: (item) =>
        toolbox.users
          .build(PutItemCommand)
          .item(item)
          .options({ condition: { attr: 'userId', exists: false } })
          .params(),
      get: (item) => toolbox.users.build(GetItemCommand).key({ userId: item.userId }).options({ consistent: true }).params(),
      query: (item) =>
        toolbox.table
          .build(ToolboxQuery)
          .entities(toolbox.users)
          .query({ index: 'gsi1', partition: emailKey(item.email).gsi1pk, range: { eq: '$user_1' } })
          .params(),
      save: (item) =>
        toolbox.users
          .build(UpdateItemCommand)
          .item({ ...renamed(item), version: $add(1) })
          .options({ returnValues: 'ALL_NEW' })
          .params(),
      patch: (item) =>
        toolbox.users
          .build(UpdateItemCommand)
          .item({ userId: item.userId, logins: $add(1), version: $add(1) })
          .options({ returnValues: 'ALL_NEW', condition: { attr: 'userId', exists: true } })
          .params(),
    },
    'OneTable 2 { execute: false }': {
      put: (item) => oneTable.create(item, { execute: false }),
      get: (item) => oneTable.get({ userId: item.userId }, { consistent: true, execute: false }),
      query: (item) => oneTable.find({ email: item.email }, { index: 'gsi1', execute: false }),
      save: (item) => oneTable.upsert(renamed(item), { add: { version: 1 }, return: 'ALL_NEW', execute: false }),
      patch: (item) => oneTable.update({ userId: item.userId }, { add: { logins: 1, version: 1 }, return: 'ALL_NEW', execute: false }),
    },
    'tablekit entity API, stub client': {
      put: (item) => members.create(item),
      get: (item) => members.get(item.userId),
      query: (item) => members.find.byEmail({ email: item.email }),
      save: (item) => members.save(renamed(item)),
      patch: (item) => members.patch(item.userId, { add: { logins: 1 } }),
    },
  };
  const results: ParamsResult = {};
  const names = Object.keys(build);
  for (let round = 0; round < rounds; round++) {
    for (const op of ops) {
      for (let turn = 0; turn < names.length; turn++) {
        const name = names[(turn + round) % names.length] as string;
        const builder = build[name]?.[op] as (item: UserInput) => unknown;
        const start = process.hrtime.bigint();
        for (const item of items) await builder(item);
        (results[name] ??= { put: [], get: [], query: [], save: [], patch: [] })[op].push(Number(process.hrtime.bigint() - start) / 1000 / count);
      }
    }
  }
  return results;
}
