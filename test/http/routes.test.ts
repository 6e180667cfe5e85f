/**
 * Every route of `tablekit-server` (no API keys) over real HTTP against DynamoDB Local: success
 * statuses and bodies (users without their hidden refresh-token hash), every error status,
 * If-Match preconditions, limits, the OpenAPI document and loopback binding (SIGTERM: sse.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import test from 'ava';
import {
  changeInputs,
  rawRequest,
  request,
  startServer,
  withStore,
  type ChangeJson,
  type ErrorJson,
  type PageJson,
  type ProgressJson,
  type Served,
  type StatsJson,
  type UserJson,
} from './server.ts';

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

async function register(t: { is(a: unknown, b: unknown, m?: string): void }, address = email()): Promise<UserJson> {
  const res = await request<UserJson>(`${url}/users`, { method: 'POST', json: { email: address, firstName: 'Ada', lastName: 'Lovelace' } });
  t.is(res.status, 201, res.text);
  return res.body;
}

const seqs = (page: PageJson<ChangeJson>) => page.items.map((change) => change.seq);
const codeOf = (body: ErrorJson | undefined) => body?.error.code;

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

test('change log: append one and many (201), list since, page with a cursor, history, stats', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  const changes = `${url}/projects/${p}/changes`;
  const one = await request<{ changes: ChangeJson[] }>(changes, {
    method: 'POST',
    json: { entityType: 'doc', entityId: 'd1', operation: 'create', data: { title: 'Draft' } },
  });
  t.is(one.status, 201, one.text);
  t.is(one.body.changes.length, 1);
  t.like(one.body.changes[0], { projectId: p, seq: 1, entityType: 'doc', entityId: 'd1', operation: 'create', data: { title: 'Draft' } });
  t.false(Number.isNaN(Date.parse(one.body.changes[0]?.timestamp ?? '')));

  const many = await request<{ changes: ChangeJson[] }>(changes, {
    method: 'POST',
    json: [
      { entityType: 'doc', entityId: 'd1', operation: 'update', data: { title: 'Final' } },
      { entityType: 'note', entityId: 'n1', operation: 'create', data: {} },
    ],
  });
  t.is(many.status, 201, many.text);
  t.deepEqual(
    many.body.changes.map((c) => c.seq),
    [2, 3],
  );

  const all = await request<PageJson<ChangeJson>>(changes);
  t.is(all.status, 200);
  t.deepEqual(seqs(all.body), [1, 2, 3]);
  t.is(all.body.cursor, undefined);
  t.deepEqual(seqs((await request<PageJson<ChangeJson>>(`${changes}?since=1`)).body), [2, 3]);

  const first = await request<PageJson<ChangeJson>>(`${changes}?limit=2`);
  t.deepEqual(seqs(first.body), [1, 2]);
  t.is(typeof first.body.cursor, 'string');
  const second = await request<PageJson<ChangeJson>>(`${changes}?limit=2&cursor=${encodeURIComponent(first.body.cursor ?? '')}`);
  t.is(second.status, 200);
  t.deepEqual(seqs(second.body), [3]);
  const badCursor = await request<ErrorJson>(`${changes}?cursor=not-a-cursor`);
  t.is(badCursor.status, 400, badCursor.text);

  const history = await request<PageJson<ChangeJson>>(`${url}/projects/${p}/entities/doc/d1/history`);
  t.is(history.status, 200);
  t.deepEqual(
    history.body.items.map((c) => [c.seq, c.operation]),
    [
      [1, 'create'],
      [2, 'update'],
    ],
  );

  const stats = await request<StatsJson>(`${url}/projects/${p}/stats`);
  t.is(stats.status, 200);
  t.deepEqual(stats.body, { total: 3, latestSeq: 3, outdated: 1, byEntityType: { doc: 2, note: 1 }, byOperation: { create: 2, update: 1 } });
});

test('users: register 201, get, find by e-mail (normalised), patch, delete 204 — never with the refresh-token hash', async (t) => {
  const address = email();
  const registered = await register(t, address.toUpperCase());
  t.like(registered, { email: address, version: 1, isActive: true });
  // A refresh token exists (the API has no route for it): its hash is stored, never returned.
  const hash = await withStore(server.tableName, async (store) => {
    await store.userService.issueRefreshToken(registered.userId);
    return (await store.entities.user.get(registered.userId, { include: ['refreshTokenHash'] })).refreshTokenHash ?? '';
  });
  t.regex(hash, /^[0-9a-f]{64}$/);
  const bodies: string[] = [];

  const got = await request<UserJson>(`${url}/users/${registered.userId}`);
  t.is(got.status, 200);
  t.like(got.body, { userId: registered.userId, email: address, firstName: 'Ada', lastName: 'Lovelace' });
  const found = await request<UserJson>(`${url}/users?email=${encodeURIComponent(address.replace('u-', 'U-'))}`);
  t.is(found.status, 200);
  t.is(found.body.userId, registered.userId);

  // Version 2 since the token was issued.
  const patched = await request<UserJson>(`${url}/users/${registered.userId}`, { method: 'PATCH', json: { firstName: 'Grace', isActive: false } });
  t.is(patched.status, 200, patched.text);
  t.like(patched.body, { userId: registered.userId, firstName: 'Grace', lastName: 'Lovelace', isActive: false, version: 3 });
  t.is(patched.headers.get('etag'), '"3"');
  const anyVersion = await request<UserJson>(`${url}/users/${registered.userId}`, {
    method: 'PATCH',
    json: { lastName: 'Hopper' },
    headers: { 'if-match': '*' },
  });
  t.is(anyVersion.status, 200, anyVersion.text);
  t.is(anyVersion.headers.get('etag'), '"4"');
  bodies.push(got.text, found.text, patched.text, anyVersion.text);

  const newAddress = email();
  const moved = await request<UserJson>(`${url}/users/${registered.userId}`, { method: 'PATCH', json: { email: newAddress } });
  t.is(moved.status, 200, moved.text);
  t.is(moved.body.email, newAddress);
  bodies.push(moved.text);
  t.is((await request<UserJson>(`${url}/users?email=${encodeURIComponent(newAddress)}`)).body.userId, registered.userId);
  t.is((await request(`${url}/users?email=${encodeURIComponent(address)}`)).status, 404);
  for (const body of bodies) t.false(body.includes('refreshTokenHash') || body.includes(hash), body);

  const deleted = await request(`${url}/users/${registered.userId}`, { method: 'DELETE' });
  t.is(deleted.status, 204);
  t.is(deleted.text, '');
  t.is((await request(`${url}/users/${registered.userId}`)).status, 404);
  t.is((await request(`${url}/users?email=${encodeURIComponent(newAddress)}`)).status, 404);
});

test('video progress: PUT 200 {progress, applied}, stale event not applied, list, continue-watching', async (t) => {
  const user = await register(t);
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  const base = `${url}/users/${user.userId}`;
  const put = (videoId: string, positionSeconds: number, at: string) =>
    request<{ progress: ProgressJson; applied: boolean }>(`${base}/progress/${videoId}`, {
      method: 'PUT',
      json: { positionSeconds, durationSeconds: 1000, at },
    });
  const a = await put('intro', 100, ago(40));
  t.is(a.status, 200, a.text);
  t.true(a.body.applied);
  t.like(a.body.progress, { userId: user.userId, videoId: 'intro', positionSeconds: 100, durationSeconds: 1000, completed: false });
  const stale = await put('intro', 5, ago(50));
  t.is(stale.status, 200);
  t.false(stale.body.applied);
  t.is(stale.body.progress.positionSeconds, 100);
  t.true((await put('outro', 1000, ago(30))).body.progress.completed);
  t.is((await put('middle', 10, ago(20))).status, 200);

  const videoIds = (page: PageJson<ProgressJson>) => page.items.map((p) => p.videoId);
  t.deepEqual(videoIds((await request<PageJson<ProgressJson>>(`${base}/progress`)).body).sort(), ['intro', 'middle', 'outro']);
  t.deepEqual(videoIds((await request<PageJson<ProgressJson>>(`${base}/continue-watching`)).body), ['middle', 'intro']);
  t.deepEqual(videoIds((await request<PageJson<ProgressJson>>(`${base}/continue-watching?limit=1`)).body), ['middle']);

  // Progress of an unknown user → 404.
  const ghost = await request<ErrorJson>(`${url}/users/${randomUUID()}/progress/intro`, { method: 'PUT', json: { positionSeconds: 1, durationSeconds: 10 } });
  t.is(ghost.status, 404);
  t.is(codeOf(ghost.body), 'notFound');
});

test('400 with issues: invalid change body, invalid query, unknown field in PATCH, invalid ids', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  const badBody = await request<ErrorJson>(`${url}/projects/${p}/changes`, {
    method: 'POST',
    json: { entityType: '', entityId: 'x', operation: 'explode', data: {} },
  });
  t.is(badBody.status, 400);
  t.is(codeOf(badBody.body), 'validation');
  const issues = badBody.body.error.issues ?? [];
  t.true(issues.length > 0, badBody.text);
  t.true(issues.every((issue) => Array.isArray(issue.path) && typeof issue.message === 'string'));
  t.deepEqual((await request<PageJson<ChangeJson>>(`${url}/projects/${p}/changes`)).body.items, [], 'nothing was written');
  t.is((await request(`${url}/projects/${p}/changes`, { method: 'POST', json: [] })).status, 400);
  // An unknown change field is refused as the library refuses it, not silently dropped.
  const extra = await request<ErrorJson>(`${url}/projects/${p}/changes`, {
    method: 'POST',
    json: { entityType: 'doc', entityId: 'x', operation: 'create', data: {}, author: 'eve' },
  });
  t.is(extra.status, 400);
  t.true(
    (extra.body.error.issues ?? []).some((issue) => JSON.stringify(issue).includes('author')),
    extra.text,
  );
  t.deepEqual((await request<PageJson<ChangeJson>>(`${url}/projects/${p}/changes`)).body.items, [], 'still nothing written');

  for (const query of ['since=-1', 'since=abc', 'limit=0', 'limit=1.5']) {
    const res = await request<ErrorJson>(`${url}/projects/${p}/changes?${query}`);
    t.is(res.status, 400, query);
    t.true((res.body.error.issues ?? []).length > 0, query);
  }

  const user = await register(t);
  const unknownField = await request<ErrorJson>(`${url}/users/${user.userId}`, { method: 'PATCH', json: { firstName: 'X', role: 'root' } });
  t.is(unknownField.status, 400);
  t.true(
    (unknownField.body.error.issues ?? []).some((issue) => /role/.test(issue.message) || issue.path.includes('role')),
    unknownField.text,
  );
  t.is((await request<UserJson>(`${url}/users/${user.userId}`)).body.firstName, 'Ada');

  const badEmail = await request<ErrorJson>(`${url}/users`, { method: 'POST', json: { email: 'not-an-email', firstName: 'A', lastName: 'B' } });
  t.is(badEmail.status, 400);
  t.true((badEmail.body.error.issues ?? []).some((issue) => issue.path.includes('email')));
  t.is((await request(`${url}/users/not-a-uuid`)).status, 400);
  t.is((await request(`${url}/users?email=nope`)).status, 400);
  t.is((await request(`${url}/users/${user.userId}/progress/v`, { method: 'PUT', json: { positionSeconds: -1, durationSeconds: 0 } })).status, 400);
});

test('400 (not 500) for a malformed JSON body', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  const res = await request<ErrorJson>(`${url}/projects/${p}/changes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
  t.is(res.status, 400, res.text);
  t.is(codeOf(res.body), 'validation');
  const user = await request(`${url}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
  t.is(user.status, 400, user.text);
});

test('404: unknown route, unknown user, unknown e-mail, patch or delete of an unknown user', async (t) => {
  const route = await request<ErrorJson>(`${url}/nope`);
  t.is(route.status, 404);
  t.is(codeOf(route.body), 'notFound');
  t.is((await request(`${url}/projects/p/changes`, { method: 'DELETE' })).status, 404);
  const user = await request<ErrorJson>(`${url}/users/${randomUUID()}`);
  t.is(user.status, 404);
  t.is(codeOf(user.body), 'notFound');
  const byEmail = await request<ErrorJson>(`${url}/users?email=${encodeURIComponent(email())}`);
  t.is(byEmail.status, 404);
  t.is(codeOf(byEmail.body), 'notFound');
  t.is((await request(`${url}/users/${randomUUID()}`, { method: 'PATCH', json: { firstName: 'X' } })).status, 404);
  t.is((await request(`${url}/users/${randomUUID()}`, { method: 'PATCH', json: { firstName: 'X' }, headers: { 'if-match': '*' } })).status, 404);
  t.is((await request(`${url}/users/${randomUUID()}`, { method: 'DELETE' })).status, 404);
});

test('409: duplicate e-mail on POST /users (case-insensitive) and on PATCH to a taken e-mail', async (t) => {
  const address = email();
  const first = await register(t, address);
  const dup = await request<ErrorJson>(`${url}/users`, { method: 'POST', json: { email: address.toUpperCase(), firstName: 'B', lastName: 'C' } });
  t.is(dup.status, 409, dup.text);
  t.is(codeOf(dup.body), 'duplicate');
  const second = await register(t);
  const taken = await request<ErrorJson>(`${url}/users/${second.userId}`, { method: 'PATCH', json: { email: address } });
  t.is(taken.status, 409, taken.text);
  t.is(codeOf(taken.body), 'duplicate');
  t.is((await request<UserJson>(`${url}/users?email=${encodeURIComponent(address)}`)).body.userId, first.userId);
});

test('412: PATCH with a stale or impossible If-Match changes nothing; the current one (also weak or unquoted) returns the new ETag', async (t) => {
  const user = await register(t);
  const patch = (lastName: string, ifMatch: string) =>
    request<UserJson>(`${url}/users/${user.userId}`, { method: 'PATCH', json: { lastName }, headers: { 'if-match': ifMatch } });
  for (const ifMatch of ['"7"', '"abc"']) {
    const stale = await request<ErrorJson>(`${url}/users/${user.userId}`, { method: 'PATCH', json: { lastName: 'X' }, headers: { 'if-match': ifMatch } });
    t.is(stale.status, 412, stale.text);
    t.is(codeOf(stale.body), 'conflict');
  }
  t.is((await request<UserJson>(`${url}/users/${user.userId}`)).body.lastName, 'Lovelace');

  const ok = await patch('Byron', '"1"');
  t.is(ok.status, 200, ok.text);
  t.is(ok.body.lastName, 'Byron');
  t.is(ok.headers.get('etag'), '"2"');
  t.is((await patch('Z', '"1"')).status, 412, 'the old version is now stale');
  const weak = await patch('King', `W/${ok.headers.get('etag') ?? ''}`);
  t.is(weak.status, 200, weak.text);
  t.is(weak.headers.get('etag'), '"3"');
  const unquoted = await request<UserJson>(`${url}/users/${user.userId}`, { method: 'PATCH', json: { email: email() }, headers: { 'if-match': '3' } });
  t.is(unquoted.status, 200, unquoted.text);
  t.is(unquoted.headers.get('etag'), `"${unquoted.body.version}"`);
  t.is(unquoted.body.version, 4);
});

test('413: a body over 1 MiB is rejected and nothing is written', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  const big = { entityType: 'doc', entityId: 'd', operation: 'create', data: { blob: 'x'.repeat(1024 * 1024 + 10) } };
  // Through its own connection (see the next test: the server closes it after a 413).
  const agent = new Agent({ keepAlive: false });
  t.teardown(() => agent.destroy());
  const res = await rawRequest(agent, `${url}/projects/${p}/changes`, {
    method: 'POST',
    body: JSON.stringify(big),
    headers: { 'content-type': 'application/json' },
  });
  t.is(res.status, 413);
  t.deepEqual(JSON.parse(res.body), { error: { code: 'validation', message: 'request body too large' } });
  t.deepEqual((await request<PageJson<ChangeJson>>(`${url}/projects/${p}/changes`)).body.items, []);
  // A body under the limit passes the HTTP layer.
  t.is((await request(`${url}/projects/${p}/changes`, { method: 'POST', json: { ...big, data: { blob: 'x'.repeat(1000) } } })).status, 201);
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

test('a limit above the cap is accepted (the cap itself is tested in process: app.test.ts); more than 1000 changes in one POST is 400 and writes nothing', async (t) => {
  const p = `proj-${randomUUID().slice(0, 8)}`;
  t.is((await request(`${url}/projects/${p}/changes`, { method: 'POST', json: changeInputs(3, 'a') })).status, 201);
  const res = await request<PageJson<ChangeJson>>(`${url}/projects/${p}/changes?limit=5000`);
  t.is(res.status, 200, res.text);
  t.deepEqual(seqs(res.body), [1, 2, 3]);
  t.is((await request(`${url}/projects/${p}/changes`, { method: 'POST', json: changeInputs(1001, 'c') })).status, 400);
  t.is((await request<StatsJson>(`${url}/projects/${p}/stats`)).body.latestSeq, 3);
});

interface OpenApiOperation {
  parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

test('GET /openapi.json is OpenAPI 3 with every path and the entities constraints', async (t) => {
  const res = await request<{ openapi: string; paths: Record<string, Record<string, OpenApiOperation>> }>(`${url}/openapi.json`);
  t.is(res.status, 200);
  const doc = res.body;
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
  const projectParam = post?.parameters?.find((p) => p.name === 'projectId');
  t.is(projectParam?.in, 'path');
  t.like(projectParam?.schema, { type: 'string', minLength: 1, maxLength: 200 });
  const body = JSON.stringify(post?.requestBody);
  t.true(body.includes('"enum":["create","update","delete"]'), body);
  t.true(body.includes('"maxItems":1000'), body);
  t.truthy(post?.responses['201']);
  t.truthy(post?.responses['400']);
  const patch = doc.paths['/users/{userId}']?.patch;
  t.truthy(patch?.responses['412']);
  t.is(patch?.parameters?.find((p) => p.name === 'userId')?.schema.format, 'uuid');
  const register = JSON.stringify(doc.paths['/users']?.post?.requestBody);
  t.true(/"firstName":\{[^}]*"minLength":1/.test(register), register);
  t.true(/"maxLength":100/.test(register), register);
});
