import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { openStore } from '../../entities/index.ts';
import type { Connection } from '../connection/index.ts';
import { createHttpApp, parseApiKeys } from '../http/index.ts';
import { step, type Print } from './print.ts';

/** The HTTP API on a free loopback port, called with fetch: JSON routes, an API-key check, and the SSE feed. */
export async function runHttpDemo(connection: Connection, tableName: string, print: Print = console.log): Promise<void> {
  const store = await openStore({ connection, tableName });
  const projectId = `http-${randomUUID().slice(0, 8)}`;
  const key = `demo-key-${randomUUID()}`;
  const http = createHttpApp(store, { apiKeys: parseApiKeys(`${key}=${projectId}`) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: http.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  try {
    print(`\nHTTP API (tablekit serve, here in-process on ${url}):`);
    await step(`POST /projects/${projectId}/changes`, print, async () => {
      const body = JSON.stringify([1, 2, 3].map((n) => ({ entityType: 'doc', entityId: `d${n}`, operation: 'create', data: { n } })));
      return fetch(`${url}/projects/${projectId}/changes`, { method: 'POST', headers: auth, body });
    }, (response) => `${response.status}`);
    await step('GET …/changes?since=1', print, async () => (await fetch(`${url}/projects/${projectId}/changes?since=1`, { headers: auth })).json() as Promise<{ items: { seq: number }[] }>, (page) => `seqs ${page.items.map((item) => item.seq).join(', ')}`);
    await step('GET …/changes with a key for another project', print, () => fetch(`${url}/projects/other-project/changes`, { headers: auth }), (response) => `${response.status}`);
    await step('POST …/changes with an invalid change', print, () => fetch(`${url}/projects/${projectId}/changes`, { method: 'POST', headers: auth, body: '{"entityType":"doc"}' }), (response) => `${response.status}`);
    await step('GET …/changes/live, Last-Event-ID: 1', print, async () => {
      const controller = new AbortController();
      const response = await fetch(`${url}/projects/${projectId}/changes/live`, { headers: { ...auth, 'last-event-id': '1' }, signal: controller.signal });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      while ((text.match(/^id: /gm) ?? []).length < 2) text += decoder.decode((await reader.read()).value, { stream: true });
      controller.abort();
      return [...text.matchAll(/^id: (\d+)$/gm)].map((match) => match[1]);
    }, (ids) => `events ${ids.join(', ')} (resumed after 1)`);
    await step('GET /openapi.json', print, async () => (await fetch(`${url}/openapi.json`)).json() as Promise<{ paths: object }>, (doc) => `${Object.keys(doc.paths).length} paths`);
  } finally {
    http.closeLiveStreams();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  }
}
