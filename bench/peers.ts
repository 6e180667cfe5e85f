/**
 * The same User item (same attributes, the same pk/sk/gsi1 key strings, the same `__edb_e__` /
 * `__edb_v__` markers) defined with dynamodb-toolbox 2 and OneTable 2, so every contender reads
 * and writes identical items on the same table.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Table as OneTable } from 'dynamodb-onetable';
import { boolean, Entity, item, number, string, Table } from 'dynamodb-toolbox';

export const userKey = (userId: string) => ({ pk: `$tablekit#userId_${userId}`, sk: '$account#user_1' });
export const emailKey = (email: string) => ({ gsi1pk: `$tablekit#email_${email}`, gsi1sk: '$user_1' });

/** dynamodb-toolbox: a Table with the bench's key names and an Entity computing tablekit's key strings. */
export function toolboxUsers(documentClient: DynamoDBDocumentClient, tableName: string) {
  const table = new Table({
    documentClient,
    name: tableName,
    partitionKey: { name: 'pk', type: 'string' },
    sortKey: { name: 'sk', type: 'string' },
    indexes: { gsi1: { type: 'global', partitionKey: { name: 'gsi1pk', type: 'string' }, sortKey: { name: 'gsi1sk', type: 'string' } } },
    entityAttributeSavedAs: '__edb_e__',
  });
  const schema = item({
    userId: string().key(),
    email: string(),
    firstName: string(),
    lastName: string(),
    isActive: boolean(),
    logins: number().default(0),
    version: number().default(1),
    gsi1sk: string().hidden().const('$user_1'),
    __edb_v__: string().hidden().const('1'),
  }).and((base) => ({
    gsi1pk: string()
      .hidden()
      .link<typeof base>(({ email }) => emailKey(email).gsi1pk),
  }));
  const users = new Entity({
    name: 'user',
    table,
    schema,
    computeKey: ({ userId }) => userKey(userId),
    timestamps: { created: { name: 'createdAt', savedAs: 'createdAt' }, modified: { name: 'updatedAt', savedAs: 'updatedAt' } },
  });
  return { table, users };
}

/** OneTable: value templates render tablekit's key strings; typeField is the ElectroDB marker. */
export function oneTableUsers(client: DynamoDBClient, tableName: string) {
  const schema = {
    format: 'onetable:1.1.0',
    version: '0.0.1',
    indexes: { primary: { hash: 'pk', sort: 'sk' }, gsi1: { hash: 'gsi1pk', sort: 'gsi1sk', project: 'all' } },
    models: {
      user: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: OneTable's value template, rendered by OneTable
        pk: { type: String, value: '$tablekit#userId_${userId}' },
        sk: { type: String, value: '$account#user_1' },
        userId: { type: String, required: true },
        email: { type: String, required: true },
        firstName: { type: String, required: true },
        lastName: { type: String, required: true },
        isActive: { type: Boolean, required: true },
        logins: { type: Number, default: 0 },
        version: { type: Number, default: 1 },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: OneTable's value template, rendered by OneTable
        gsi1pk: { type: String, value: '$tablekit#email_${email}' },
        gsi1sk: { type: String, value: '$user_1' },
        __edb_v__: { type: String, default: '1' },
      },
    },
    params: { isoDates: true, timestamps: true, createdField: 'createdAt', updatedField: 'updatedAt', typeField: '__edb_e__' },
  } as const;
  const table = new OneTable({ client, name: tableName, schema, partial: false });
  return { table, users: table.getModel('user') };
}
