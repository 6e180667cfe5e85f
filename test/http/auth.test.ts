/**
 * API keys (TABLEKIT_API_KEYS) over real HTTP: 401 without a valid key, 403 outside a key's
 * projects (nothing written), user routes admin-only, open /health and /openapi.json, keys never logged.
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { request, SseReader, startServer, type ChangeJson, type ErrorJson, type PageJson, type Served, type StatsJson, type UserJson } from './server.ts';

const alphaKey = `alpha-${randomUUID()}`;
const adminKey = `admin-${randomUUID()}`;
const wrongKey = `wrong-${randomUUID()}`;

let server: Served;
let url: string;

test.before(async () => {
  server = await startServer('http-auth', { TABLEKIT_API_KEYS: `${alphaKey}=alpha; ${adminKey}=admin` });
  // With keys the default interface is 0.0.0.0; talk to it over loopback.
  url = server.url.replace('0.0.0.0', '127.0.0.1');
});

test.after.always(async () => {
  await server?.dispose();
});

const change = { entityType: 'doc', entityId: 'd1', operation: 'create', data: { title: 'x' } };

test('with keys the server binds every interface and says keys are required', (t) => {
  t.regex(server.url, /^http:\/\/0\.0\.0\.0:\d+$/);
  t.regex(server.log(), /API keys required/);
});

test('no key or a wrong key → 401 on change-log and user routes', async (t) => {
  const p = `open-${randomUUID().slice(0, 8)}`;
  const routes: [string, string, unknown?][] = [
    ['GET', `/projects/${p}/changes`],
    ['POST', `/projects/${p}/changes`, change],
    ['GET', `/projects/${p}/stats`],
    ['GET', `/projects/${p}/changes/live`],
    ['POST', '/users', { email: 'x@example.com', firstName: 'X', lastName: 'Y' }],
    ['GET', `/users/${randomUUID()}`],
  ];
  for (const [method, path, json] of routes) {
    for (const key of [undefined, wrongKey, '']) {
      const res = await request<ErrorJson>(`${url}${path}`, { method, ...(json ? { json } : {}), ...(key !== undefined ? { key } : {}) });
      t.is(res.status, 401, `${method} ${path} key=${key === undefined ? 'none' : key === '' ? 'empty' : 'wrong'}`);
      t.is(res.body?.error?.code, 'unauthorized');
    }
  }
  // A key in the wrong scheme is not accepted either.
  const basic = await request(`${url}/projects/alpha/changes`, { headers: { authorization: `Basic ${alphaKey}` } });
  t.is(basic.status, 401);
  // Nothing was written by the unauthenticated POSTs.
  t.deepEqual((await request<PageJson<ChangeJson>>(`${url}/projects/${p}/changes`, { key: adminKey })).body.items, []);
});

test('a scoped key works on its project (write, read, history, stats, live) and via X-API-Key', async (t) => {
  const posted = await request(`${url}/projects/alpha/changes`, { method: 'POST', json: change, key: alphaKey });
  t.is(posted.status, 201, JSON.stringify(posted.body));
  t.is((await request(`${url}/projects/alpha/changes`, { key: alphaKey })).status, 200);
  t.is((await request(`${url}/projects/alpha/entities/doc/d1/history`, { key: alphaKey })).status, 200);
  t.is((await request(`${url}/projects/alpha/stats`, { key: alphaKey })).status, 200);
  const viaHeader = await request<PageJson<ChangeJson>>(`${url}/projects/alpha/changes`, { headers: { 'x-api-key': alphaKey } });
  t.is(viaHeader.status, 200);
  t.true(viaHeader.body.items.length >= 1);
  const live = await fetch(`${url}/projects/alpha/changes/live`, { headers: { authorization: `Bearer ${alphaKey}` } });
  t.is(live.status, 200);
  const reader = new SseReader(live);
  t.teardown(() => reader.cancel());
  t.is((await reader.take(1))[0]?.id, '1');
});

test('a scoped key on another project → 403 and nothing read or written', async (t) => {
  const beta = `beta-${randomUUID().slice(0, 8)}`;
  const attempts: [string, string, unknown?][] = [
    ['POST', `/projects/${beta}/changes`, change],
    ['POST', `/projects/${beta}/changes`, [change, change]],
    ['GET', `/projects/${beta}/changes`],
    ['GET', `/projects/${beta}/entities/doc/d1/history`],
    ['GET', `/projects/${beta}/stats`],
    ['GET', `/projects/${beta}/changes/live`],
  ];
  for (const [method, path, json] of attempts) {
    const res = await request<ErrorJson>(`${url}${path}`, { method, ...(json ? { json } : {}), key: alphaKey });
    t.is(res.status, 403, `${method} ${path}`);
    t.is(res.body?.error?.code, 'forbidden');
  }
  const changes = await request<PageJson<ChangeJson>>(`${url}/projects/${beta}/changes`, { key: adminKey });
  t.is(changes.status, 200);
  t.deepEqual(changes.body.items, []);
  const stats = await request<StatsJson>(`${url}/projects/${beta}/stats`, { key: adminKey });
  t.is(stats.status, 200);
  t.is(stats.body.total, 0);
});

test('a scoped key on user and progress routes → 403 and nothing written', async (t) => {
  const address = `scoped-${randomUUID().slice(0, 8)}@example.com`;
  const registered = await request<UserJson>(`${url}/users`, {
    method: 'POST',
    json: { email: `admin-made-${address}`, firstName: 'A', lastName: 'B' },
    key: adminKey,
  });
  t.is(registered.status, 201);
  const userId = registered.body.userId;
  const attempts: [string, string, unknown?][] = [
    ['POST', '/users', { email: address, firstName: 'A', lastName: 'B' }],
    ['GET', `/users/${userId}`],
    ['GET', `/users?email=${encodeURIComponent(`admin-made-${address}`)}`],
    ['PATCH', `/users/${userId}`, { firstName: 'Hacked' }],
    ['DELETE', `/users/${userId}`],
    ['PUT', `/users/${userId}/progress/v1`, { positionSeconds: 1, durationSeconds: 10 }],
    ['GET', `/users/${userId}/progress`],
    ['GET', `/users/${userId}/continue-watching`],
  ];
  for (const [method, path, json] of attempts) {
    const res = await request(`${url}${path}`, { method, ...(json ? { json } : {}), key: alphaKey });
    t.is(res.status, 403, `${method} ${path}`);
  }
  t.is((await request(`${url}/users?email=${encodeURIComponent(address)}`, { key: adminKey })).status, 404);
  const user = await request<UserJson>(`${url}/users/${userId}`, { key: adminKey });
  t.is(user.status, 200);
  t.is(user.body.firstName, 'A');
  t.deepEqual((await request<PageJson<unknown>>(`${url}/users/${userId}/progress`, { key: adminKey })).body.items, []);
});

test('the admin key can do everything', async (t) => {
  const p = `any-${randomUUID().slice(0, 8)}`;
  t.is((await request(`${url}/projects/${p}/changes`, { method: 'POST', json: change, key: adminKey })).status, 201);
  t.is((await request(`${url}/projects/alpha/changes`, { method: 'POST', json: { ...change, entityId: 'admin' }, key: adminKey })).status, 201);
  t.is((await request<PageJson<ChangeJson>>(`${url}/projects/${p}/changes`, { key: adminKey })).body.items.length, 1);
  t.is((await request(`${url}/projects/${p}/entities/doc/d1/history`, { key: adminKey })).status, 200);
  t.is((await request<StatsJson>(`${url}/projects/${p}/stats`, { key: adminKey })).body.total, 1);
  const email = `admin-${randomUUID().slice(0, 8)}@example.com`;
  const user = await request<UserJson>(`${url}/users`, { method: 'POST', json: { email, firstName: 'A', lastName: 'B' }, key: adminKey });
  t.is(user.status, 201);
  const id = user.body.userId;
  t.is((await request(`${url}/users/${id}`, { key: adminKey })).status, 200);
  t.is((await request<UserJson>(`${url}/users?email=${encodeURIComponent(email)}`, { key: adminKey })).body.userId, id);
  t.is((await request(`${url}/users/${id}`, { method: 'PATCH', json: { lastName: 'C' }, headers: { 'if-match': '"1"' }, key: adminKey })).status, 200);
  t.is((await request(`${url}/users/${id}/progress/v1`, { method: 'PUT', json: { positionSeconds: 1, durationSeconds: 10 }, key: adminKey })).status, 200);
  t.is((await request<PageJson<unknown>>(`${url}/users/${id}/progress`, { key: adminKey })).body.items.length, 1);
  t.is((await request<PageJson<unknown>>(`${url}/users/${id}/continue-watching`, { key: adminKey })).body.items.length, 1);
  t.is((await request(`${url}/users/${id}`, { method: 'DELETE', key: adminKey })).status, 204);
  const live = await fetch(`${url}/projects/${p}/changes/live`, { headers: { authorization: `Bearer ${adminKey}` } });
  t.is(live.status, 200);
  await live.body?.cancel();
});

test('/health and /openapi.json need no key', async (t) => {
  const health = await request<{ status: string }>(`${url}/health`);
  t.is(health.status, 200);
  t.is(health.body.status, 'ok');
  const doc = await request<{ paths: Record<string, unknown> }>(`${url}/openapi.json`);
  t.is(doc.status, 200);
  t.truthy(doc.body.paths['/users/{userId}']);
  // Also with a wrong key.
  t.is((await request(`${url}/health`, { key: wrongKey })).status, 200);
});

test('the server log never contains a key', async (t) => {
  // Some traffic of its own with every key, including an unexpected-input path.
  await request(`${url}/projects/alpha/changes`, { key: alphaKey });
  await request(`${url}/projects/alpha/changes`, { key: wrongKey });
  await request(`${url}/users`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: '{broken' });
  const log = server.log();
  t.true(log.length > 0);
  for (const key of [alphaKey, adminKey, wrongKey]) t.false(log.includes(key), 'a key appears in the log');
});

test('a key shorter than 16 characters stops the server at start, without echoing the key', async (t) => {
  const error = await t.throwsAsync(startServer('http-auth-short', { TABLEKIT_API_KEYS: 'short-key-42=admin' }));
  t.regex(error?.message ?? '', /at least 16 characters/);
  t.false((error?.message ?? '').includes('short-key-42'));
});
