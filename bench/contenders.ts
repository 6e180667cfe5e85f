import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BoundTable, Connection, InferInput } from 'tablekit';
import { type Member, UserTable } from './tables.ts';

export type UserInput = InferInput<typeof Member>;
export const ops = ['put', 'get', 'query', 'save', 'patch'] as const;
export type Op = (typeof ops)[number];

export interface Operations {
  put(item: UserInput): Promise<unknown>;
  get(userId: string): Promise<{ userId?: unknown } | undefined>;
  query(email: string): Promise<unknown[]>;
  /** Insert or replace the whole item (here: a new last name). */
  save(item: UserInput): Promise<unknown>;
  /** An atomic counter: logins + 1. */
  patch(userId: string): Promise<unknown>;
}
export type ContenderName = 'raw DocumentClient' | 'ElectroDB .go()' | 'ElectroDB .params() + send' | 'tablekit entity API';

type Item = Record<string, unknown>;
type ElectroEntity = BoundTable['electro']['entities'][string];
/** ElectroDB's builders, typed loosely: its types are generic over a schema known only at runtime here. */
interface Chain {
  add(values: Item): Chain;
  set(values: Item): Chain;
  go(options?: Item): Promise<{ data: unknown }>;
  params(options?: Item): Item;
}
interface LooseElectro {
  create(item: Item): Chain;
  get(key: Item): Chain;
  upsert(item: Item): Chain;
  patch(key: Item): Chain;
  query: Record<string, (key: Item) => Chain>;
}

export function newUser(): UserInput {
  const userId = randomUUID();
  return { userId, email: `u-${userId}@example.com`, firstName: 'Ada', lastName: 'Lovelace', isActive: true, logins: 0 };
}

/** The same User item, managed fields included, as every contender stores it. */
export function fullItem(item: UserInput) {
  const now = new Date().toISOString();
  return { ...item, createdAt: now, updatedAt: now, version: 1 };
}

const userKey = (userId: string) => ({ pk: `$tablekit#userId_${userId}`, sk: '$account#user_1' });

/** The item with hand-written keys in ElectroDB's format (tablekit's key format), as the raw contender stores it. */
export function rawItem(item: UserInput) {
  return { ...fullItem(item), ...userKey(item.userId), gsi1pk: `$tablekit#email_${item.email}`, gsi1sk: '$user_1', __edb_e__: 'user', __edb_v__: '1' };
}

/** A hand-written upsert: every attribute set, createdAt kept, version moved — what tablekit's save sends. */
function rawSave(tableName: string, item: UserInput) {
  const { pk: _pk, sk: _sk, createdAt, version: _version, ...rest } = rawItem(item);
  const names: Record<string, string> = { '#createdAt': 'createdAt', '#version': 'version' };
  const values: Record<string, unknown> = { ':createdAt': createdAt, ':one': 1 };
  const sets = Object.entries(rest).map(([name, value], index) => {
    names[`#a${index}`] = name;
    values[`:a${index}`] = value;
    return `#a${index} = :a${index}`;
  });
  return new UpdateCommand({
    TableName: tableName,
    Key: userKey(item.userId),
    UpdateExpression: `SET ${sets.join(', ')}, #createdAt = if_not_exists(#createdAt, :createdAt) ADD #version :one`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
  });
}

/** Four ways to put / get / query / save / patch the same User item on one table through one connection. */
export function contenders(connection: Connection, tableName: string): Record<ContenderName, Operations> {
  const { doc } = connection;
  const table = UserTable.bind(connection, { tableName });
  const electro = table.electro.entities.user as ElectroEntity as unknown as LooseElectro;
  const members = table.entities.user;
  const renamed = (item: UserInput) => ({ ...item, lastName: 'Byron' });
  return {
    'raw DocumentClient': {
      put: (item) =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: rawItem(item),
            ConditionExpression: 'attribute_not_exists(#pk) AND attribute_not_exists(#sk)',
            ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          }),
        ),
      get: async (userId) => (await doc.send(new GetCommand({ TableName: tableName, Key: userKey(userId), ConsistentRead: true }))).Item,
      query: async (email) =>
        (
          await doc.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'gsi1',
              KeyConditionExpression: '#pk = :pk and #sk = :sk',
              ExpressionAttributeNames: { '#pk': 'gsi1pk', '#sk': 'gsi1sk' },
              ExpressionAttributeValues: { ':pk': `$tablekit#email_${email}`, ':sk': '$user_1' },
            }),
          )
        ).Items ?? [],
      save: (item) => doc.send(rawSave(tableName, renamed(item))),
      patch: (userId) =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: userKey(userId),
            UpdateExpression: 'SET #updatedAt = :now ADD #logins :one, #version :one',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#updatedAt': 'updatedAt', '#logins': 'logins', '#version': 'version', '#pk': 'pk' },
            ExpressionAttributeValues: { ':now': new Date().toISOString(), ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        ),
    },
    'ElectroDB .go()': {
      put: (item) => electro.create(fullItem(item)).go(),
      get: async (userId) => (await electro.get({ userId }).go({ consistent: true })).data as Item | undefined,
      query: async (email) => (await electro.query.byEmail!({ email }).go()).data as unknown[],
      save: (item) => electro.upsert(fullItem(renamed(item))).go({ response: 'all_new' }),
      patch: (userId) => electro.patch({ userId }).add({ logins: 1, version: 1 }).set({ updatedAt: new Date().toISOString() }).go({ response: 'all_new' }),
    },
    'ElectroDB .params() + send': {
      put: (item) => doc.send(new PutCommand(electro.create(fullItem(item)).params() as ConstructorParameters<typeof PutCommand>[0])),
      get: async (userId) =>
        (await doc.send(new GetCommand({ ...(electro.get({ userId }).params() as { TableName: string; Key: Item }), ConsistentRead: true }))).Item,
      query: async (email) =>
        (await doc.send(new QueryCommand(electro.query.byEmail!({ email }).params() as ConstructorParameters<typeof QueryCommand>[0]))).Items ?? [],
      save: (item) =>
        doc.send(
          new UpdateCommand({
            ...(electro.upsert(fullItem(renamed(item))).params() as ConstructorParameters<typeof UpdateCommand>[0]),
            ReturnValues: 'ALL_NEW',
          }),
        ),
      patch: (userId) =>
        doc.send(
          new UpdateCommand({
            ...(electro.patch({ userId }).add({ logins: 1, version: 1 }).set({ updatedAt: new Date().toISOString() }).params() as ConstructorParameters<
              typeof UpdateCommand
            >[0]),
            ReturnValues: 'ALL_NEW',
          }),
        ),
    },
    'tablekit entity API': {
      put: (item) => members.create(item),
      get: (userId) => members.get(userId),
      query: async (email) => (await members.find.byEmail({ email })).items,
      save: (item) => members.save(renamed(item)),
      patch: (userId) => members.patch(userId, { add: { logins: 1 } }),
    },
  };
}
