/**
 * connect(): explicit options -> environment -> embedded DynamoDB Local, with an explicit `env`
 * object so that the test does not depend on the machine's environment.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { isAlive } from './support/process.ts';
import test from 'ava';
import { connect, connectLocal, type Connection } from '../src/index.ts';
import { LocalDynamoError } from '../src/local/index.ts';

const endpoint = process.env.DYNAMODB_ENDPOINT;
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

async function answers(connection: Connection): Promise<boolean> {
  const result = await connection.client.send(new ListTablesCommand({ Limit: 1 }));
  return Array.isArray(result.TableNames);
}

test('an explicit endpoint wins over the environment (source explicit)', async (t) => {
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const connection = await connect({ endpoint, env: { DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', AWS_REGION: 'eu-west-1' } });
  t.teardown(() => connection.close());
  t.is(connection.source, 'explicit');
  t.is(connection.endpoint, endpoint);
  t.is(connection.region, 'eu-west-1', 'the region still comes from the environment when not given');
  t.is(connection.local, undefined);
  t.true(await answers(connection));
});

test('close() destroys a client the connection created, once', async (t) => {
  const connection = await connect({ endpoint: 'http://127.0.0.1:1', env: {} });
  let destroyed = 0;
  const destroy = connection.client.destroy.bind(connection.client);
  connection.client.destroy = () => {
    destroyed += 1;
    destroy();
  };
  await Promise.all([connection.close(), connection.close()]);
  await connection.close();
  t.is(destroyed, 1);
});

test('an explicit region alone is explicit too, and defaults to no endpoint (AWS)', async (t) => {
  const connection = await connect({ region: 'us-east-2', env: { DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' } });
  t.teardown(() => connection.close());
  t.is(connection.source, 'explicit');
  t.is(connection.region, 'us-east-2');
  t.is(connection.endpoint, undefined);
  t.is(await connection.client.config.region(), 'us-east-2');
});

test('DYNAMODB_ENDPOINT in the environment is used (source environment)', async (t) => {
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const connection = await connect({ env: { DYNAMODB_ENDPOINT: endpoint } });
  t.teardown(() => connection.close());
  t.is(connection.source, 'environment');
  t.is(connection.endpoint, endpoint);
  t.is(connection.region, 'local');
  t.true(await answers(connection));
});

test('AWS_REGION alone resolves to AWS in that region (source environment, no endpoint)', async (t) => {
  const connection = await connect({ env: { AWS_REGION: 'eu-central-1' } });
  t.is(connection.source, 'environment');
  t.is(connection.region, 'eu-central-1');
  t.is(connection.endpoint, undefined);
  t.is(await connection.client.config.region(), 'eu-central-1');
  await t.notThrowsAsync(connection.close());
});

test('AWS_DEFAULT_REGION is honoured when AWS_REGION is absent', async (t) => {
  const connection = await connect({ env: { AWS_DEFAULT_REGION: 'ap-southeast-2' } });
  t.teardown(() => connection.close());
  t.is(connection.source, 'environment');
  t.is(connection.region, 'ap-southeast-2');
});

test('a ready client is used as is (source client) and close() does not destroy it', async (t) => {
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: localCredentials });
  t.teardown(() => client.destroy());
  let destroyed = 0;
  const destroy = client.destroy.bind(client);
  client.destroy = () => {
    destroyed += 1;
    destroy();
  };
  const connection = await connect({ client, env: {} });
  t.is(connection.source, 'client');
  t.is(connection.client, client);
  t.is(connection.region, 'local');
  t.true(await answers(connection));
  await connection.close();
  await connection.close();
  t.is(destroyed, 0, 'close() must not destroy a client it did not create');
  const after = await client.send(new ListTablesCommand({ Limit: 1 }));
  t.true(Array.isArray(after.TableNames), 'the caller’s client still works after close()');
});

test('connectLocal(port) points at 127.0.0.1:port', async (t) => {
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const port = Number(new URL(endpoint).port);
  const connection = await connectLocal(port);
  t.teardown(() => connection.close());
  t.is(connection.endpoint, `http://127.0.0.1:${port}`);
  t.is(connection.source, 'explicit');
  t.is(connection.region, 'local');
  t.true(await answers(connection));
  const defaults = await connectLocal();
  t.is(defaults.endpoint, 'http://127.0.0.1:8000');
  await defaults.close();
});

test.serial('with nothing configured, an embedded DynamoDB Local is started; close() (twice) stops it', async (t) => {
  const connection = await connect({ env: {} });
  const pid = connection.local?.pid;
  t.teardown(async () => {
    await connection.close();
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  t.is(connection.source, 'embedded');
  t.truthy(connection.local);
  t.is(connection.endpoint, connection.local?.endpoint);
  t.regex(connection.endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  t.not(connection.endpoint, endpoint, 'a new instance, not the run’s shared one');
  t.true(await answers(connection));
  if (pid === undefined) return t.fail('no pid');
  t.true(isAlive(pid));

  await connection.close();
  await t.notThrowsAsync(connection.close(), 'close() is idempotent');
  t.false(isAlive(pid), `embedded java pid ${pid} still runs after close()`);
});

test('with nothing configured and no usable java, connect() fails with the install / DYNAMODB_ENDPOINT hint', async (t) => {
  const error = await t.throwsAsync(connect({ env: {}, embedded: { javaCommand: '/nonexistent/java' } }), { instanceOf: LocalDynamoError });
  t.regex(error?.message ?? '', /apt-get install/);
  t.regex(error?.message ?? '', /DYNAMODB_ENDPOINT/);
});
