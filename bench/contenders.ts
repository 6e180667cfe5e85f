import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand as RawGetItem,
  PutItemCommand as RawPutItem,
  QueryCommand as RawQuery,
  UpdateItemCommand as RawUpdateItem,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { $add, GetItemCommand, PutItemCommand, QueryCommand as ToolboxQuery, UpdateItemCommand } from 'dynamodb-toolbox';
import type { BoundTable, Connection, InferInput } from 'tablekit';
import { emailKey, oneTableUsers, toolboxUsers, userKey } from './peers.ts';
import { type Member, UserTable } from './tables.ts';

export type UserInput = InferInput<typeof Member>;
export const ops = ['put', 'get', 'query', 'save', 'patch'] as const;
export type Op = (typeof ops)[number];

/** What every contender does to the same User item; each result is checked by the caller. */
export interface Operations {
  put(item: UserInput): Promise<unknown>;
  get(userId: string): Promise<{ userId?: unknown } | undefined>;
  query(email: string): Promise<{ userId?: unknown }[]>;
  /** Insert or replace the whole item (here: a new last name), createdAt kept, version moved. */
  save(item: UserInput): Promise<unknown>;
  /** An atomic counter on an existing item: logins + 1 (and the version); returns the item after it. */
  patch(userId: string): Promise<{ userId?: unknown; logins?: unknown } | undefined>;
}
export const contenderNames = ['raw DocumentClient', 'ElectroDB .go()', 'dynamodb-toolbox 2', 'OneTable 2', 'tablekit entity API'] as const;
export type ContenderName = (typeof contenderNames)[number];
export const RAW: ContenderName = 'raw DocumentClient';
/**
 * A reference, not a library: the low-level client with the SDK's `cacheMiddleware` (its
 * middleware stack resolved once per command type) and the DocumentClient's converter called by
 * hand. About the cheapest way to send these requests with the SDK; shown in D and B only.
 */
export const REFERENCE = 'raw low-level client, stack resolved once';

/** A client like `client`, but with the SDK's cacheMiddleware (the DocumentClient refuses the option). */
export function referenceClient(settings: DynamoDBClientConfig): DynamoDBClient {
  return new DynamoDBClient({ ...settings, cacheMiddleware: true } as DynamoDBClientConfig);
}

type Item = Record<string, unknown>;
type ElectroEntity = BoundTable['electro']['entities'][string];
/** ElectroDB's builders, typed loosely: its types are generic over a schema known only at runtime here. */
interface Chain {
  add(values: Item): Chain;
  set(values: Item): Chain;
  go(options?: Item): Promise<{ data: unknown }>;
  params(options?: Item): Item;
}
export interface LooseElectro {
  create(item: Item): Chain;
  get(key: Item): Chain;
  upsert(item: Item): Chain;
  patch(key: Item): Chain;
  put(items: Item[]): Chain;
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

/** The item with hand-written keys in ElectroDB's format (tablekit's key format), as the raw contender stores it. */
export function rawItem(item: UserInput) {
  return { ...fullItem(item), ...userKey(item.userId), ...emailKey(item.email), __edb_e__: 'user', __edb_v__: '1' };
}

export const renamed = (item: UserInput) => ({ ...item, lastName: 'Byron' });

/** Hand-written requests: what each library should send for put / get / query / save / patch. */
export const rawRequests = {
  put: (tableName: string, item: UserInput) =>
    new PutCommand({
      TableName: tableName,
      Item: rawItem(item),
      ConditionExpression: 'attribute_not_exists(#pk) AND attribute_not_exists(#sk)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
    }),
  get: (tableName: string, userId: string) => new GetCommand({ TableName: tableName, Key: userKey(userId), ConsistentRead: true }),
  query: (tableName: string, email: string) =>
    new QueryCommand({
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: '#pk = :pk and #sk = :sk',
      ExpressionAttributeNames: { '#pk': 'gsi1pk', '#sk': 'gsi1sk' },
      ExpressionAttributeValues: { ':pk': emailKey(email).gsi1pk, ':sk': '$user_1' },
    }),
  /** Every attribute set, createdAt kept, version moved — what tablekit's save sends. */
  save: (tableName: string, item: UserInput) => {
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
  },
  patch: (tableName: string, userId: string) =>
    new UpdateCommand({
      TableName: tableName,
      Key: userKey(userId),
      UpdateExpression: 'SET #updatedAt = :now ADD #logins :one, #version :one',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: { '#updatedAt': 'updatedAt', '#logins': 'logins', '#version': 'version', '#pk': 'pk' },
      ExpressionAttributeValues: { ':now': new Date().toISOString(), ':one': 1 },
      ReturnValues: 'ALL_NEW',
    }),
};

type Wire = Record<string, AttributeValue>;
const toWire = (values: unknown) => marshall(values as Item, { removeUndefinedValues: true });
/** The same hand-written request, its values converted to the wire format. */
function onWire(input: Item): never {
  const wire: Item = { ...input };
  for (const field of ['Item', 'Key', 'ExpressionAttributeValues']) if (wire[field]) wire[field] = toWire(wire[field]);
  return wire as never;
}

/** The raw requests through a low-level client (see REFERENCE). */
export function referenceContender(client: DynamoDBClient, tableName: string): Operations {
  const fromWire = (item: Wire | undefined) => (item ? unmarshall(item) : undefined);
  return {
    put: (item) => client.send(new RawPutItem(onWire(rawRequests.put(tableName, item).input))),
    get: async (userId) => fromWire((await client.send(new RawGetItem(onWire(rawRequests.get(tableName, userId).input)))).Item),
    query: async (email) => ((await client.send(new RawQuery(onWire(rawRequests.query(tableName, email).input)))).Items ?? []).map((item) => unmarshall(item)),
    save: (item) => client.send(new RawUpdateItem(onWire(rawRequests.save(tableName, renamed(item)).input))),
    patch: async (userId) => fromWire((await client.send(new RawUpdateItem(onWire(rawRequests.patch(tableName, userId).input)))).Attributes),
  };
}

/** Five ways to put / get / query / save / patch the same User item on one table through one connection. */
export function contenders(connection: Connection, tableName: string): Record<ContenderName, Operations> {
  const { doc } = connection;
  const table = UserTable.bind(connection, { tableName });
  const electro = table.electro.entities.user as ElectroEntity as unknown as LooseElectro;
  const toolbox = toolboxUsers(doc, tableName);
  const oneTable = oneTableUsers(connection.client, tableName).users;
  const members = table.entities.user;
  return {
    'raw DocumentClient': {
      put: (item) => doc.send(rawRequests.put(tableName, item)),
      get: async (userId) => (await doc.send(rawRequests.get(tableName, userId))).Item,
      query: async (email) => (await doc.send(rawRequests.query(tableName, email))).Items ?? [],
      save: (item) => doc.send(rawRequests.save(tableName, renamed(item))),
      patch: async (userId) => (await doc.send(rawRequests.patch(tableName, userId))).Attributes,
    },
    'ElectroDB .go()': {
      put: (item) => electro.create(fullItem(item)).go(),
      get: async (userId) => (await electro.get({ userId }).go({ consistent: true })).data as Item | undefined,
      query: async (email) => (await electro.query.byEmail!({ email }).go()).data as Item[],
      save: (item) => electro.upsert(fullItem(renamed(item))).go({ response: 'all_new' }),
      patch: async (userId) =>
        (await electro.patch({ userId }).add({ logins: 1, version: 1 }).set({ updatedAt: new Date().toISOString() }).go({ response: 'all_new' })).data as Item,
    },
    'dynamodb-toolbox 2': {
      put: (item) =>
        toolbox.users
          .build(PutItemCommand)
          .item(item)
          .options({ condition: { attr: 'userId', exists: false } })
          .send(),
      get: async (userId) => (await toolbox.users.build(GetItemCommand).key({ userId }).options({ consistent: true }).send()).Item,
      query: async (email) =>
        (
          await toolbox.table
            .build(ToolboxQuery)
            .entities(toolbox.users)
            .query({ index: 'gsi1', partition: emailKey(email).gsi1pk, range: { eq: '$user_1' } })
            .send()
        ).Items ?? [],
      save: (item) =>
        toolbox.users
          .build(UpdateItemCommand)
          .item({ ...renamed(item), version: $add(1) })
          .options({ returnValues: 'ALL_NEW' })
          .send(),
      patch: async (userId) =>
        (
          await toolbox.users
            .build(UpdateItemCommand)
            .item({ userId, logins: $add(1), version: $add(1) })
            .options({ returnValues: 'ALL_NEW', condition: { attr: 'userId', exists: true } })
            .send()
        ).Attributes,
    },
    'OneTable 2': {
      put: (item) => oneTable.create(item),
      get: (userId) => oneTable.get({ userId }, { consistent: true }),
      query: async (email) => [...(await oneTable.find({ email }, { index: 'gsi1' }))],
      save: (item) => oneTable.upsert(renamed(item), { add: { version: 1 }, return: 'ALL_NEW' }),
      patch: (userId) => oneTable.update({ userId }, { add: { logins: 1, version: 1 }, return: 'ALL_NEW' }),
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
