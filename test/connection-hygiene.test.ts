import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import test from 'ava';
import { connect } from '../src/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const endpoint = () => process.env.DYNAMODB_ENDPOINT ?? 'http://127.0.0.1:8000';
type WithTranslate = { translateConfig?: { marshallOptions?: { convertClassInstanceToMap?: boolean } } };

test('connect({ client }) leaves the marshalling options of the caller’s DocumentClient as they were', async (t) => {
  const client = new DynamoDBClient({ endpoint: endpoint(), region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // tablekit's own DocumentClient converts class instances (it validates them away itself); the caller's does not.
  const mine = DynamoDBDocumentClient.from(client, { marshallOptions: { convertClassInstanceToMap: false } });
  const connection = await connect({ client });
  t.false((mine.config as WithTranslate).translateConfig?.marshallOptions?.convertClassInstanceToMap);
  t.true((connection.doc.config as WithTranslate).translateConfig?.marshallOptions?.convertClassInstanceToMap);
  await connection.close();
  // The caller's client still works after tablekit closed its connection (it is not destroyed).
  await t.notThrowsAsync(client.send(new (await import('@aws-sdk/client-dynamodb')).ListTablesCommand({})));
  client.destroy();
});

test('connect({ documentClient }) uses the caller’s client and keeps tablekit’s own marshalling', async (t) => {
  const client = new DynamoDBClient({ endpoint: endpoint(), region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const mine = DynamoDBDocumentClient.from(client, { marshallOptions: { convertClassInstanceToMap: false, removeUndefinedValues: false } });
  const connection = await connect({ documentClient: mine });
  t.is(connection.source, 'client');
  t.false((mine.config as WithTranslate).translateConfig?.marshallOptions?.convertClassInstanceToMap);
  // tablekit's DocumentClient drops undefined values; the caller's (removeUndefinedValues: false) would throw.
  const tableName = `hygiene-${Date.now()}`;
  const { CreateTableCommand, DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
  await connection.client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  await connection.doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'a', gone: undefined } }));
  const read = await connection.doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'a' } }));
  t.deepEqual(read.Item, { pk: 'a' });
  await connection.client.send(new DeleteTableCommand({ TableName: tableName }));
  await connection.close();
  client.destroy();
});

test('connect({ env }) takes the credentials from that env, not from process.env', async (t) => {
  const connection = await connect({
    env: { DYNAMODB_ENDPOINT: endpoint(), AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'from-env-key', AWS_SECRET_ACCESS_KEY: 'from-env-secret' },
  });
  const credentials = await connection.client.config.credentials();
  t.is(credentials.accessKeyId, 'from-env-key');
  t.is(connection.region, 'eu-west-1');
  await connection.close();
});
