import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createRepository, type Connection, type ElectroEntity, type InferInput } from '../src/index.ts';
import { User } from '../entities/index.ts';
import { UserTable } from './tables.ts';

export type UserInput = InferInput<typeof User>;
export interface Operations {
  put(item: UserInput): Promise<unknown>;
  get(userId: string): Promise<{ userId?: unknown } | undefined>;
  query(email: string): Promise<unknown[]>;
}
export type ContenderName = 'raw DocumentClient' | 'ElectroDB .go()' | 'ElectroDB .params() + send' | 'tablekit repository';

export function newUser(): UserInput {
  const userId = randomUUID();
  return { userId, email: `u-${userId}@example.com`, firstName: 'Ada', lastName: 'Lovelace', isActive: true };
}

/** The same User item, managed fields included, as every contender stores it. */
export function fullItem(item: UserInput) {
  const now = new Date().toISOString();
  return { ...item, createdAt: now, updatedAt: now, version: 1 };
}

/** The item with hand-written keys in ElectroDB's format, as the raw contenders store it. */
export function rawItem(item: UserInput) {
  return {
    ...fullItem(item),
    pk: `$tablekit#userId_${item.userId}`,
    sk: '$account#user_1',
    gsi1pk: `$tablekit#email_${item.email}`,
    gsi1sk: '$user_1',
    __edb_e__: 'user',
    __edb_v__: '1',
  };
}

/** Four ways to put/get/query the same User item on one table through one connection. */
export function contenders(connection: Connection, tableName: string): Record<ContenderName, Operations> {
  const { doc } = connection;
  const table = UserTable.bind(connection, { tableName });
  const electro = table.electro.entities.user as ElectroEntity;
  const repository = createRepository(User, { table });
  type Item = Record<string, unknown>;
  return {
    'raw DocumentClient': {
      // Hand-written keys in ElectroDB's format, so every contender stores identical items.
      put: (item) =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: rawItem(item),
            ConditionExpression: 'attribute_not_exists(#pk) AND attribute_not_exists(#sk)',
            ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          }),
        ),
      get: async (userId) =>
        (await doc.send(new GetCommand({ TableName: tableName, Key: { pk: `$tablekit#userId_${userId}`, sk: '$account#user_1' }, ConsistentRead: true }))).Item,
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
    },
    'ElectroDB .go()': {
      put: (item) => electro.create(fullItem(item)).go(),
      get: async (userId) => (await electro.get({ userId }).go({ consistent: true })).data as Item | undefined,
      query: async (email) => (await (electro.query as Record<string, (k: Item) => { go(): Promise<{ data: unknown[] }> }>).byEmail!({ email }).go()).data,
    },
    'ElectroDB .params() + send': {
      put: (item) => doc.send(new PutCommand(electro.create(fullItem(item)).params() as ConstructorParameters<typeof PutCommand>[0])),
      get: async (userId) => (await doc.send(new GetCommand({ ...(electro.get({ userId }).params() as { TableName: string; Key: Item }), ConsistentRead: true }))).Item,
      query: async (email) =>
        (await doc.send(new QueryCommand((electro.query as Record<string, (k: Item) => { params(): object }>).byEmail!({ email }).params() as ConstructorParameters<typeof QueryCommand>[0]))).Items ?? [],
    },
    'tablekit repository': {
      put: (item) => repository.add({ id: item.userId, object: item }),
      get: (userId) => repository.get(userId),
      query: async (email) => (await repository.find.byEmail({ email })).items,
    },
  };
}
