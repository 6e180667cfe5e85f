/**
 * The Lambda entry point (server/lambda.ts `handler`) with API Gateway HTTP API (payload v2)
 * events: a round trip through the same app as `tablekit-server`.
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { uniqueTableName } from '../support/db.ts';
import { deleteTable, type ChangeJson, type ErrorJson, type PageJson } from './server.ts';

const tableName = uniqueTableName('http-lambda');
process.env.TABLEKIT_TABLE = tableName;
process.env.TABLEKIT_ENSURE_TABLE = 'true';
delete process.env.TABLEKIT_API_KEYS;
delete process.env.TABLEKIT_API_KEYS_FILE;

const { handler } = await import('../../server/lambda.ts');

type Event = Parameters<typeof handler>[0];
type Context = Parameters<typeof handler>[1];

interface Result {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
  isBase64Encoded: boolean;
}

/** An API Gateway HTTP API (payload format 2.0) event. */
function httpApiEvent(method: string, path: string, options: { query?: string; body?: unknown; headers?: Record<string, string> } = {}): Event {
  const body = options.body === undefined ? null : JSON.stringify(options.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: options.query ?? '',
    cookies: [],
    headers: {
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'ava',
      ...(body !== null ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
      ...options.headers,
    },
    queryStringParameters: options.query ? Object.fromEntries(new URLSearchParams(options.query)) : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'ava' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  } as unknown as Event;
}

const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'tablekit',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:tablekit',
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/tablekit',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

async function invoke<T = ErrorJson>(event: Event): Promise<{ statusCode: number; headers: Record<string, string>; json: T }> {
  const result = (await handler(event, context)) as unknown as Result;
  const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  return { statusCode: result.statusCode, headers: result.headers ?? {}, json: (text ? JSON.parse(text) : undefined) as T };
}

test.after.always(async () => {
  await deleteTable(tableName);
});

test('POST then GET /projects/x/changes through the Lambda handler (HTTP API v2 events)', async (t) => {
  const posted = await invoke<{ changes: ChangeJson[] }>(
    httpApiEvent('POST', '/projects/x/changes', {
      body: [
        { entityType: 'doc', entityId: 'd1', operation: 'create', data: { title: 'Draft' } },
        { entityType: 'doc', entityId: 'd1', operation: 'update', data: { title: 'Final' } },
      ],
    }),
  );
  t.is(posted.statusCode, 201, JSON.stringify(posted.json));
  t.deepEqual(
    posted.json.changes.map((c) => [c.projectId, c.seq]),
    [
      ['x', 1],
      ['x', 2],
    ],
  );

  const listed = await invoke<PageJson<ChangeJson>>(httpApiEvent('GET', '/projects/x/changes'));
  t.is(listed.statusCode, 200);
  t.regex(listed.headers['content-type'] ?? '', /application\/json/);
  t.deepEqual(
    listed.json.items.map((c) => [c.seq, c.operation, c.data]),
    [
      [1, 'create', { title: 'Draft' }],
      [2, 'update', { title: 'Final' }],
    ],
  );

  const since = await invoke<PageJson<ChangeJson>>(httpApiEvent('GET', '/projects/x/changes', { query: 'since=1&limit=10' }));
  t.is(since.statusCode, 200);
  t.deepEqual(
    since.json.items.map((c) => c.seq),
    [2],
  );
});

test('errors and health through the Lambda handler: 400 with issues, 404, 200', async (t) => {
  const invalid = await invoke(httpApiEvent('POST', '/projects/x/changes', { body: { entityType: 'doc', entityId: 'd', operation: 'nope', data: {} } }));
  t.is(invalid.statusCode, 400);
  t.true((invalid.json.error.issues ?? []).length > 0);
  const unknown = await invoke(httpApiEvent('GET', `/users/${randomUUID()}`));
  t.is(unknown.statusCode, 404);
  t.is(unknown.json.error.code, 'notFound');
  const health = await invoke<{ status: string; table: string }>(httpApiEvent('GET', '/health'));
  t.is(health.statusCode, 200);
  t.deepEqual(health.json, { status: 'ok', table: tableName });
});
