/**
 * Every route of `tablekit serve` (no API keys) over real HTTP: success statuses and bodies,
 * every error status, limits, the OpenAPI document, loopback binding and SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import test from 'ava';
import { changeInputs, rawRequest, request, startServer, type Served } from './server.ts';

let server: Served;
let url: string;

test.before(async () => {
  server = await startServer('http-routes');
  url = server.url;
});

test.after.always(async () => {
  await server?.dispose();
});

const email = () => `u-${randomUUID().slice(0, 8)}@example.com`;

async function register(t: { is(a: unknown, b: unknown, m?: string): void }, address = email()) {
  const res = await request(`${url}/users`, { method: 'POST', json: { email: address, firstName: 'Ada', lastName: 'Lovelace' } });
  t.is(res.status, 201, JSON.stringify(res.body));
  return res.body as { userId: string; email: string; version: number; isActive: boolean; refreshTokenHash?: string };
}

test('the server binds 127.0.0.1 without keys and says so', (t) => {
  t.regex(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.regex(server.log(), /no API keys: loopback only/);
  t.true(server.log().includes(server.tableName));
});

test('GET /health → 200 with the table name', async (t) => {
  const res = await request(`${url}/health`);
  t.is(res.status, 200);
  t.deepEqual(res.body, { status: 'ok', table: server.tableName });
});

test('change log: append one and many (201), list since, history, stats', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  const one = await request(`${url}/projects/${p}/changes`, { method: 'POST', json: { entityType: 'doc', entityId: 'd1', operation: 'create', data: { title: 'Draft' } } });
  t.is(one.status, 201, JSON.stringify(one.body));
  t.is(one.body.changes.length, 1);
  t.like(one.body.changes[0], { projectId: p, seq: 1, entityType: 'doc', entityId: 'd1', operation: 'create', data: { title: 'Draft' } });
  t.is(typeof one.body.changes[0].timestamp, 'string');

  const many = await request(`${url}/projects/${p}/changes`, {
    method: 'POST',
    json: [
      { entityType: 'doc', entityId: 'd1', operation: 'update', data: { title: 'Final' } },
      { entityType: 'note', entityId: 'n1', operation: 'create', data: {} },
    ],
  });
  t.is(many.status, 201, JSON.stringify(many.body));
  t.deepEqual(
    many.body.changes.map((c: { seq: number }) => c.seq),
    [2, 3],
  );

  const all = await request(`${url}/projects/${p}/changes`);
  t.is(all.status, 200);
  t.deepEqual(
    all.body.items.map((c: { seq: number }) => c.seq),
    [1, 2, 3],
  );
  t.is(all.body.cursor, undefined);

  const since = await request(`${url}/projects/${p}/changes?since=1`);
  t.deepEqual(
    since.body.items.map((c: { seq: number }) => c.seq),
    [2, 3],
  );

  // Paging with limit and cursor.
  const first = await request(`${url}/projects/${p}/changes?limit=2`);
  t.is(first.status, 200);
  t.deepEqual(
    first.body.items.map((c: { seq: number }) => c.seq),
    [1, 2],
  );
  t.is(typeof first.body.cursor, 'string');
  const second = await request(`${url}/projects/${p}/changes?limit=2&cursor=${encodeURIComponent(first.body.cursor as string)}`);
  t.is(second.status, 200);
  t.deepEqual(
    second.body.items.map((c: { seq: number }) => c.seq),
    [3],
  );

  const history = await request(`${url}/projects/${p}/entities/doc/d1/history`);
  t.is(history.status, 200);
  t.deepEqual(
    history.body.items.map((c: { seq: number; operation: string }) => [c.seq, c.operation]),
    [
      [1, 'create'],
      [2, 'update'],
    ],
  );

  const stats = await request(`${url}/projects/${p}/stats`);
  t.is(stats.status, 200);
  t.like(stats.body, { total: 3, latestSeq: 3, byEntityType: { doc: 2, note: 1 }, byOperation: { create: 2, update: 1 } });
  t.is(stats.body.outdated, 1);
});

test('users: register 201 (no refresh-token hash), get, find by e-mail (normalised), patch, delete 204', async (t) => {
  const address = email();
  const registered = await register(t, address.toUpperCase());
  t.is(registered.email, address);
  t.is(registered.version, 1);
  t.is(registered.isActive, true);
  t.false('refreshTokenHash' in registered);

  const got = await request(`${url}/users/${registered.userId}`);
  t.is(got.status, 200);
  t.like(got.body, { userId: registered.userId, email: address, firstName: 'Ada', lastName: 'Lovelace' });

  const found = await request(`${url}/users?email=${encodeURIComponent(address.replace('u-', 'U-'))}`);
  t.is(found.status, 200);
  t.is(found.body.userId, registered.userId);

  const patched = await request(`${url}/users/${registered.userId}`, { method: 'PATCH', json: { firstName: 'Grace', isActive: false } });
  t.is(patched.status, 200, JSON.stringify(patched.body));
  t.like(patched.body, { userId: registered.userId, firstName: 'Grace', lastName: 'Lovelace', isActive: false, version: 2 });
  t.is(patched.headers.get('etag'), '"2"');

  const newAddress = email();
  const moved = await request(`${url}/users/${registered.userId}`, { method: 'PATCH', json: { email: newAddress } });
  t.is(moved.status, 200, JSON.stringify(moved.body));
  t.is(moved.body.email, newAddress);
  t.is((await request(`${url}/users?email=${encodeURIComponent(newAddress)}`)).body.userId, registered.userId);
  t.is((await request(`${url}/users?email=${encodeURIComponent(address)}`)).status, 404);

  const deleted = await request(`${url}/users/${registered.userId}`, { method: 'DELETE' });
  t.is(deleted.status, 204);
  t.is(deleted.body, undefined);
  t.is((await request(`${url}/users/${registered.userId}`)).status, 404);
  t.is((await request(`${url}/users?email=${encodeURIComponent(newAddress)}`)).status, 404);
});

test('video progress: PUT 200 {progress, applied}, stale event not applied, list, continue-watching', async (t) => {
  const user = await register(t);
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  const base = `${url}/users/${user.userId}`;
  const a = await request(`${base}/progress/intro`, { method: 'PUT', json: { positionSeconds: 100, durationSeconds: 1000, at: ago(40) } });
  t.is(a.status, 200, JSON.stringify(a.body));
  t.is(a.body.applied, true);
  t.like(a.body.progress, { userId: user.userId, videoId: 'intro', positionSeconds: 100, durationSeconds: 1000, completed: false });
  const stale = await request(`${base}/progress/intro`, { method: 'PUT', json: { positionSeconds: 5, durationSeconds: 1000, at: ago(50) } });
  t.is(stale.status, 200);
  t.is(stale.body.applied, false);
  t.is(stale.body.progress.positionSeconds, 100);
  const done = await request(`${base}/progress/outro`, { method: 'PUT', json: { positionSeconds: 1000, durationSeconds: 1000, at: ago(30) } });
  t.is(done.status, 200);
  t.is(done.body.progress.completed, true);
  const other = await request(`${base}/progress/middle`, { method: 'PUT', json: { positionSeconds: 10, durationSeconds: 1000, at: ago(20) } });
  t.is(other.status, 200);

  const list = await request(`${base}/progress`);
  t.is(list.status, 200);
  t.deepEqual(list.body.items.map((p: { videoId: string }) => p.videoId).sort(), ['intro', 'middle', 'outro']);

  const cw = await request(`${base}/continue-watching`);
  t.is(cw.status, 200);
  t.deepEqual(
    cw.body.items.map((p: { videoId: string }) => p.videoId),
    ['middle', 'intro'],
  );
  const cw1 = await request(`${base}/continue-watching?limit=1`);
  t.deepEqual(
    cw1.body.items.map((p: { videoId: string }) => p.videoId),
    ['middle'],
  );

  // Progress of an unknown user → 404.
  const ghost = await request(`${url}/users/${randomUUID()}/progress/intro`, { method: 'PUT', json: { positionSeconds: 1, durationSeconds: 10 } });
  t.is(ghost.status, 404);
});

test('400 with issues: invalid change body, invalid query, unknown field in PATCH, invalid ids', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  const badBody = await request(`${url}/projects/${p}/changes`, { method: 'POST', json: { entityType: '', entityId: 'x', operation: 'explode', data: {} } });
  t.is(badBody.status, 400);
  t.is(badBody.body.error.code, 'validation');
  t.true(Array.isArray(badBody.body.error.issues) && badBody.body.error.issues.length > 0, JSON.stringify(badBody.body));
  for (const issue of badBody.body.error.issues as { path: unknown; message: unknown }[]) {
    t.true(Array.isArray(issue.path));
    t.is(typeof issue.message, 'string');
  }
  // Nothing was written.
  t.deepEqual((await request(`${url}/projects/${p}/changes`)).body.items, []);

  const emptyArray = await request(`${url}/projects/${p}/changes`, { method: 'POST', json: [] });
  t.is(emptyArray.status, 400);

  for (const query of ['since=-1', 'since=abc', 'limit=0', 'limit=1.5']) {
    const res = await request(`${url}/projects/${p}/changes?${query}`);
    t.is(res.status, 400, query);
    t.true((res.body.error.issues as unknown[]).length > 0, query);
  }

  const user = await register(t);
  const unknownField = await request(`${url}/users/${user.userId}`, { method: 'PATCH', json: { firstName: 'X', role: 'root' } });
  t.is(unknownField.status, 400);
  t.true(
    (unknownField.body.error.issues as { message: string; path: unknown[] }[]).some((issue) => /role/.test(issue.message) || issue.path.includes('role')),
    JSON.stringify(unknownField.body),
  );
  t.is((await request(`${url}/users/${user.userId}`)).body.firstName, 'Ada');

  const badEmail = await request(`${url}/users`, { method: 'POST', json: { email: 'not-an-email', firstName: 'A', lastName: 'B' } });
  t.is(badEmail.status, 400);
  t.true((badEmail.body.error.issues as { path: unknown[] }[]).some((issue) => issue.path.includes('email')));

  t.is((await request(`${url}/users/not-a-uuid`)).status, 400);
  t.is((await request(`${url}/users?email=nope`)).status, 400);
  t.is((await request(`${url}/users/${user.userId}/progress/v`, { method: 'PUT', json: { positionSeconds: -1, durationSeconds: 0 } })).status, 400);
});

test('400 (not 500) for a malformed JSON body', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  const res = await request(`${url}/projects/${p}/changes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
  t.is(res.status, 400, JSON.stringify(res.body));
  t.is(res.body?.error?.code, 'validation');
  const user = await request(`${url}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
  t.is(user.status, 400, JSON.stringify(user.body));
});

test('404: unknown route, unknown user, unknown e-mail, delete unknown user', async (t) => {
  const route = await request(`${url}/nope`);
  t.is(route.status, 404);
  t.is(route.body.error.code, 'notFound');
  t.is((await request(`${url}/projects/p/changes`, { method: 'DELETE' })).status, 404);

  const user = await request(`${url}/users/${randomUUID()}`);
  t.is(user.status, 404);
  t.is(user.body.error.code, 'notFound');

  const byEmail = await request(`${url}/users?email=${encodeURIComponent(email())}`);
  t.is(byEmail.status, 404);
  t.is(byEmail.body.error.code, 'notFound');

  t.is((await request(`${url}/users/${randomUUID()}`, { method: 'PATCH', json: { firstName: 'X' } })).status, 404);
  t.is((await request(`${url}/users/${randomUUID()}`, { method: 'DELETE' })).status, 404);
});

test('409: duplicate e-mail on POST /users (case-insensitive) and on PATCH to a taken e-mail', async (t) => {
  const address = email();
  const first = await register(t, address);
  const dup = await request(`${url}/users`, { method: 'POST', json: { email: address.toUpperCase(), firstName: 'B', lastName: 'C' } });
  t.is(dup.status, 409, JSON.stringify(dup.body));
  t.is(typeof dup.body.error.code, 'string');
  const second = await register(t);
  const taken = await request(`${url}/users/${second.userId}`, { method: 'PATCH', json: { email: address } });
  t.is(taken.status, 409, JSON.stringify(taken.body));
  t.is((await request(`${url}/users?email=${encodeURIComponent(address)}`)).body.userId, first.userId);
});

test('412: PATCH with a stale If-Match; the current one succeeds and returns the new ETag', async (t) => {
  const user = await register(t);
  const stale = await request(`${url}/users/${user.userId}`, { method: 'PATCH', json: { lastName: 'X' }, headers: { 'if-match': '"7"' } });
  t.is(stale.status, 412, JSON.stringify(stale.body));
  t.is(stale.body.error.code, 'conflict');
  t.is((await request(`${url}/users/${user.userId}`)).body.lastName, 'Lovelace');

  const ok = await request(`${url}/users/${user.userId}`, { method: 'PATCH', json: { lastName: 'Byron' }, headers: { 'if-match': '"1"' } });
  t.is(ok.status, 200, JSON.stringify(ok.body));
  t.is(ok.body.lastName, 'Byron');
  t.is(ok.headers.get('etag'), '"2"');

  // The old version is now stale; the ETag just returned works (also weak and unquoted forms).
  t.is((await request(`${url}/users/${user.userId}`, { method: 'PATCH', json: { lastName: 'Z' }, headers: { 'if-match': '"1"' } })).status, 412);
  const weak = await request(`${url}/users/${user.userId}`, { method: 'PATCH', json: { lastName: 'King' }, headers: { 'if-match': `W/${ok.headers.get('etag')}` } });
  t.is(weak.status, 200, JSON.stringify(weak.body));
  t.is(weak.headers.get('etag'), '"3"');
  const unquoted = await request(`${url}/users/${user.userId}`, { method: 'PATCH', json: { email: email() }, headers: { 'if-match': '3' } });
  t.is(unquoted.status, 200, JSON.stringify(unquoted.body));
  t.is(unquoted.body.version, Number(JSON.parse(unquoted.headers.get('etag') ?? 'null')));
});

test('412: a garbage If-Match is not a match', async (t) => {
  const user = await register(t);
  const res = await request(`${url}/users/${user.userId}`, { method: 'PATCH', json: { lastName: 'X' }, headers: { 'if-match': '"abc"' } });
  t.is(res.status, 412, JSON.stringify(res.body));
  t.is((await request(`${url}/users/${user.userId}`)).body.lastName, 'Lovelace');
});

test('413: a body over 1 MiB is rejected and nothing is written', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  const big = { entityType: 'doc', entityId: 'd', operation: 'create', data: { blob: 'x'.repeat(1024 * 1024 + 10) } };
  // Through its own connection (see the next test: the server closes it after a 413).
  const agent = new Agent({ keepAlive: false });
  t.teardown(() => agent.destroy());
  const res = await rawRequest(agent, `${url}/projects/${p}/changes`, { method: 'POST', body: JSON.stringify(big), headers: { 'content-type': 'application/json' } });
  t.is(res.status, 413);
  t.deepEqual(JSON.parse(res.body), { error: { code: 'validation', message: 'request body too large' } });
  t.deepEqual((await request(`${url}/projects/${p}/changes`)).body.items, []);
  // A body under the limit passes the HTTP layer.
  const small = await request(`${url}/projects/${p}/changes`, { method: 'POST', json: { ...big, data: { blob: 'x'.repeat(1000) } } });
  t.is(small.status, 201);
});

test('413 leaves the keep-alive connection usable (or says Connection: close)', async (t) => {
  // Own agent with one socket, so that the follow-up request reuses the 413's connection.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const big = JSON.stringify({ entityType: 'doc', entityId: 'd', operation: 'create', data: { blob: 'x'.repeat(1024 * 1024 + 10) } });
  const res = await rawRequest(agent, `${url}/projects/p413/changes`, { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
  t.is(res.status, 413);
  const next = await rawRequest(agent, `${url}/health`).then(
    (r) => `status ${r.status}`,
    (error: unknown) => `failed: ${String(error)} (413 said connection: ${String(res.headers.connection)})`,
  );
  t.is(next, 'status 200');
});

test('limit above 1000 is capped at 1000 (with a cursor for the rest)', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  const a = await request(`${url}/projects/${p}/changes`, { method: 'POST', json: changeInputs(1000, 'a') });
  t.is(a.status, 201, JSON.stringify(a.body).slice(0, 500));
  const b = await request(`${url}/projects/${p}/changes`, { method: 'POST', json: changeInputs(5, 'b') });
  t.is(b.status, 201);
  const res = await request(`${url}/projects/${p}/changes?limit=5000`);
  t.is(res.status, 200);
  t.is(res.body.items.length, 1000);
  t.is(res.body.items[999].seq, 1000);
  t.is(typeof res.body.cursor, 'string');
  const rest = await request(`${url}/projects/${p}/changes?limit=5000&cursor=${encodeURIComponent(res.body.cursor as string)}`);
  t.deepEqual(
    rest.body.items.map((c: { seq: number }) => c.seq),
    [1001, 1002, 1003, 1004, 1005],
  );
  // Over 1000 changes in one request is a validation error, not a partial write.
  const tooMany = await request(`${url}/projects/${p}/changes`, { method: 'POST', json: changeInputs(1001, 'c') });
  t.is(tooMany.status, 400);
});

test('GET /openapi.json is OpenAPI 3 with every path and the entities constraints', async (t) => {
  const res = await request(`${url}/openapi.json`);
  t.is(res.status, 200);
  const doc = res.body as { openapi: string; paths: Record<string, Record<string, any>> };
  t.regex(doc.openapi, /^3\./);
  const expected: Record<string, string[]> = {
    '/projects/{projectId}/changes': ['post', 'get'],
    '/projects/{projectId}/entities/{entityType}/{entityId}/history': ['get'],
    '/projects/{projectId}/stats': ['get'],
    '/projects/{projectId}/changes/live': ['get'],
    '/users': ['post', 'get'],
    '/users/{userId}': ['get', 'patch', 'delete'],
    '/users/{userId}/progress/{videoId}': ['put'],
    '/users/{userId}/progress': ['get'],
    '/users/{userId}/continue-watching': ['get'],
    '/health': ['get'],
  };
  for (const [path, methods] of Object.entries(expected)) {
    for (const method of methods) t.truthy(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
  }
  const post = doc.paths['/projects/{projectId}/changes']?.post;
  const projectParam = (post.parameters as { name: string; in: string; schema: Record<string, unknown> }[]).find((p) => p.name === 'projectId');
  t.is(projectParam?.in, 'path');
  t.like(projectParam?.schema, { type: 'string', minLength: 1, maxLength: 200 });
  const body = JSON.stringify(post.requestBody);
  t.true(body.includes('"enum":["create","update","delete"]'), body);
  t.true(body.includes('"maxItems":1000'), body);
  t.truthy(post.responses['201']);
  t.truthy(post.responses['400']);
  const patch = doc.paths['/users/{userId}']?.patch;
  t.truthy(patch.responses['412']);
  const userParam = (patch.parameters as { name: string; schema: Record<string, unknown> }[]).find((p) => p.name === 'userId');
  t.is(userParam?.schema.format, 'uuid');
  const register = JSON.stringify(doc.paths['/users']?.post.requestBody);
  t.true(/"firstName":\{[^}]*"minLength":1/.test(register), register);
  t.true(/"maxLength":100/.test(register), register);
});

test('SIGTERM exits 0; --host 0.0.0.0 without keys is refused and bound to 127.0.0.1 instead', async (t) => {
  const other = await startServer('http-sigterm', {}, ['--host', '0.0.0.0']);
  try {
    t.regex(other.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    t.regex(other.log(), /binding to 127\.0\.0\.1 instead of 0\.0\.0\.0/);
    t.is((await request(`${other.url}/health`)).status, 200);
    const code = await other.stop();
    t.is(code, 0, other.log());
    t.regex(other.log(), /SIGTERM: draining/);
    await t.throwsAsync(fetch(`${other.url}/health`));
  } finally {
    await other.dispose();
  }
});
