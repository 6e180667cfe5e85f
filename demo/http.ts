import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { createHttpApp, parseApiKeys } from 'tablekit/http';
import type { Store } from '../entities/index.ts';
import { check, shortId, step, type Print } from './print.ts';

/** Reads an SSE response until `count` events arrived; returns their ids. */
async function sseIds(response: Response, count: number, controller: AbortController): Promise<string[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while ((text.match(/^id: /gm) ?? []).length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return [...text.matchAll(/^id: (\d+)$/gm)].map((match) => match[1] ?? '');
}

/** The HTTP API (what `tablekit serve` runs) on a free loopback port, called with fetch. */
export async function runHttpTour(store: Store, print: Print): Promise<void> {
  const projectId = `http-${shortId()}`;
  const projectKey = `demo-project-key-${randomUUID()}`;
  const adminKey = `demo-admin-key-${randomUUID()}`;
  const http = createHttpApp(store, { apiKeys: parseApiKeys(`${projectKey}=${projectId};${adminKey}=admin`) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: http.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const headers = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  const project = headers(projectKey);
  const admin = headers(adminKey);
  try {
    print(`\nHTTP API (tablekit serve; here in-process on ${url})`);
    const posted = await step(
      `POST /projects/${projectId}/changes (3)`,
      print,
      () =>
        fetch(`${url}/projects/${projectId}/changes`, {
          method: 'POST',
          headers: project,
          body: JSON.stringify([1, 2, 3].map((n) => ({ entityType: 'doc', entityId: `d${n}`, operation: 'create', data: { n } }))),
        }),
      (response) => `${response.status}`,
    );
    check(posted.status === 201, `appending through HTTP answers 201 (got ${posted.status})`);
    const since = await step(
      'GET …/changes?since=1',
      print,
      async () => (await fetch(`${url}/projects/${projectId}/changes?since=1`, { headers: project })).json() as Promise<{ items: { seq: number }[] }>,
      (page) => `seqs ${page.items.map((item) => item.seq).join(', ')}`,
    );
    check(since.items.map((item) => item.seq).join() === '2,3', 'since=1 returns seqs 2 and 3');
    const other = await step(
      'GET another project with this key',
      print,
      () => fetch(`${url}/projects/other-project/changes`, { headers: project }),
      (response) => `${response.status}`,
    );
    check(other.status === 403, 'a project key reaches only its project');
    const invalid = await step(
      'POST …/changes with an invalid change',
      print,
      () => fetch(`${url}/projects/${projectId}/changes`, { method: 'POST', headers: project, body: '{"entityType":"doc"}' }),
      (response) => `${response.status}`,
    );
    check(invalid.status === 400, 'an invalid change is a 400');
    const controller = new AbortController();
    const ids = await step(
      'GET …/changes/live, Last-Event-ID: 1 (SSE)',
      print,
      async () =>
        sseIds(
          await fetch(`${url}/projects/${projectId}/changes/live`, { headers: { ...project, 'last-event-id': '1' }, signal: controller.signal }),
          2,
          controller,
        ),
      (events) => `events ${events.join(', ')} (resumed after 1)`,
    );
    check(ids.join() === '2,3', 'the live feed resumes after Last-Event-ID');

    const email = `http.${shortId()}@example.com`;
    const registered = await step(
      'POST /users (admin key)',
      print,
      () => fetch(`${url}/users`, { method: 'POST', headers: admin, body: JSON.stringify({ email, firstName: 'Ada', lastName: 'Http' }) }),
      (response) => `${response.status}`,
    );
    const user = (await registered.json()) as { userId: string; version: number };
    const duplicate = await step(
      'POST /users, same e-mail',
      print,
      () => fetch(`${url}/users`, { method: 'POST', headers: admin, body: JSON.stringify({ email, firstName: 'Eve', lastName: 'Copy' }) }),
      (response) => `${response.status}`,
    );
    check(registered.status === 201 && duplicate.status === 409, `register 201, duplicate 409 (got ${registered.status}, ${duplicate.status})`);
    const patched = await step(
      'PATCH /users/:id, If-Match: "1"',
      print,
      () => fetch(`${url}/users/${user.userId}`, { method: 'PATCH', headers: { ...admin, 'if-match': '"1"' }, body: JSON.stringify({ lastName: 'Lovelace' }) }),
      (response) => `${response.status}, ETag ${response.headers.get('etag')}`,
    );
    const stale = await step(
      'PATCH /users/:id, stale If-Match: "1"',
      print,
      () => fetch(`${url}/users/${user.userId}`, { method: 'PATCH', headers: { ...admin, 'if-match': '"1"' }, body: JSON.stringify({ lastName: 'Stale' }) }),
      (response) => `${response.status}`,
    );
    check(patched.status === 200 && stale.status === 412, `a stale If-Match is refused (got ${patched.status}, ${stale.status})`);
    const found = await step(
      'GET /users?email=…',
      print,
      () => fetch(`${url}/users?email=${encodeURIComponent(email)}`, { headers: admin }),
      (response) => `${response.status}`,
    );
    check(found.status === 200, 'the user is found by e-mail');
    const removed = await step(
      'DELETE /users/:id',
      print,
      () => fetch(`${url}/users/${user.userId}`, { method: 'DELETE', headers: admin }),
      (response) => `${response.status}`,
    );
    check(removed.status === 204, 'the user is deleted');
    await step(
      'GET /openapi.json (no key needed)',
      print,
      async () => (await fetch(`${url}/openapi.json`)).json() as Promise<{ paths: object }>,
      (doc) => `${Object.keys(doc.paths).length} paths`,
    );
  } finally {
    http.closeLiveStreams();
    await new Promise((resolve) => server.close(resolve));
  }
}
