/**
 * Property-based fuzzing of the HTTP API in process (the bundled app on the in-memory twin, whose
 * rules are DynamoDB's): hostile bodies, ids, headers and query strings. The invariant: a 2xx, or
 * a 4xx with an error body (validation issues listed) — never a 5xx — and nothing written by a
 * refused request.
 */
import test from 'ava';
import fc from 'fast-check';
import { openStore } from '../../entities/index.ts';
import { createHttpApp, parseApiKeys } from '../../server/index.ts';
import { inMemory } from '../../src/testing.ts';

const hostile = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '#entityType_x', '\ud800', '\u0000', '💥', '__proto__', 'constructor', '../x', '%2F', 'x'.repeat(300)) },
);
const json = fc.jsonValue({ maxDepth: 4 });
const change = fc.record(
  {
    entityType: hostile,
    entityId: hostile,
    operation: fc.oneof(fc.constantFrom('create', 'update', 'delete'), hostile),
    data: fc.oneof(fc.dictionary(hostile, json, { maxKeys: 3 }), json),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(change, fc.array(change, { maxLength: 3 }), json);

/** A path segment; a string that is not valid Unicode goes as the bytes of an invalid UTF-8 sequence, as a raw client could send. */
const segment = (value: string) => (value.isWellFormed() ? encodeURIComponent(value) : '%ED%A0%80');

test('random requests are answered with 2xx or 4xx and an error body, never 5xx; refused writes write nothing', async (t) => {
  const store = await openStore({ connection: inMemory(), tableName: 'fuzz-http' });
  t.teardown(() => store.close());
  const http = createHttpApp(store, { apiKeys: parseApiKeys(undefined) });
  t.teardown(() => http.closeLiveStreams());
  const count = async (projectId: string) => (await store.changeLog.stats(projectId).catch(() => ({ total: 0 }))).total;
  const request = fc.record({
    route: fc.constantFrom('append', 'list', 'history', 'register', 'patchUser', 'getUser', 'findUser', 'progress'),
    projectId: fc.oneof(fc.constant('p1'), hostile),
    id: fc.oneof(fc.constant('00000000-0000-4000-8000-000000000001'), hostile),
    body,
    query: fc.dictionary(fc.constantFrom('since', 'limit', 'cursor', 'email'), hostile, { maxKeys: 2 }),
    ifMatch: fc.option(hostile, { nil: undefined }),
  });
  await fc.assert(
    fc.asyncProperty(request, async ({ route, projectId, id, body: payload, query, ifMatch }) => {
      const p = segment(projectId);
      const q = new URLSearchParams(Object.fromEntries(Object.entries(query).map(([key, value]) => [key, value.toWellFormed()]))).toString();
      const [method, path] = {
        append: ['POST', `/projects/${p}/changes`],
        list: ['GET', `/projects/${p}/changes?${q}`],
        history: ['GET', `/projects/${p}/entities/doc/${segment(id)}/history?${q}`],
        register: ['POST', '/users'],
        patchUser: ['PATCH', `/users/${segment(id)}`],
        getUser: ['GET', `/users/${segment(id)}`],
        findUser: ['GET', `/users?${q}`],
        progress: ['PUT', `/users/${segment(id)}/progress/${segment(projectId)}`],
      }[route] as [string, string];
      const before = route === 'append' ? await count(projectId) : 0;
      const headers = new Headers({ 'content-type': 'application/json' });
      if (ifMatch !== undefined) headers.set('if-match', ifMatch.replace(/[^\x20-\x7e]/g, ''));
      const response = await http.fetch(
        new Request(`http://tablekit.test${path}`, { method, headers, ...(method === 'GET' ? {} : { body: JSON.stringify(payload) }) }),
      );
      const text = await response.text();
      t.true(response.status < 500, `${method} ${path} ${JSON.stringify(payload)} → ${response.status} ${text}`);
      if (response.status >= 400) {
        const parsed = JSON.parse(text) as { error?: { code?: unknown } };
        t.is(typeof parsed.error?.code, 'string', text);
        t.not(parsed.error?.code, 'unknown', text);
        if (route === 'append') t.is(await count(projectId), before, 'a refused append wrote nothing');
      }
    }),
    { numRuns: 250, seed: 20261130 },
  );
});
