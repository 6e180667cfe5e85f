import autocannon from 'autocannon';
import { serve } from '@hono/node-server';
import { openStore } from '../entities/index.ts';
import type { Connection } from 'tablekit';
import { createHttpApp, parseApiKeys } from 'tablekit/http';

type Result = { rps: number; p99: number };

function cannon(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => {
      if (error) return reject(error);
      if (result.non2xx > 0 || result.errors > 0) return reject(new Error(`${result.non2xx} non-2xx responses, ${result.errors} errors`));
      resolve({ rps: result.requests.average, p99: result.latency.p99 });
    });
  });
}

/** The same operation through the library, as many in flight as the HTTP run. */
async function direct(operation: () => Promise<unknown>, connections: number, seconds: number): Promise<Result> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await operation();
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN };
}

/** 100 SSE clients follow one project while changes are appended: each must get every seq in order. */
async function sseFanOut(url: string, store: Store, clients: number, changes: number) {
  const projectId = `bench-sse-${Date.now()}`;
  const started = performance.now();
  const readers = Array.from({ length: clients }, async () => {
    const response = await fetch(`${url}/projects/${projectId}/changes/live`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let expected = 1;
    while (expected <= changes) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended at seq ${expected - 1}`);
      buffer += decoder.decode(value, { stream: true });
      const events = buffer.split('\n\n');
      buffer = events.pop() ?? '';
      for (const event of events) {
        const id = /^id: (\d+)$/m.exec(event)?.[1];
        if (id === undefined) continue;
        if (Number(id) !== expected) throw new Error(`expected seq ${expected}, got ${id}`);
        expected++;
      }
    }
    await reader.cancel();
  });
  for (let offset = 0; offset < changes; offset += 50) {
    await store.changeLog.appendMany(
      projectId,
      Array.from({ length: Math.min(50, changes - offset) }, (_, i) => ({
        entityType: 'doc',
        entityId: `d${(offset + i) % 25}`,
        operation: 'update' as const,
        data: {},
      })),
    );
  }
  await Promise.all(readers);
  return { clients, changes, seconds: (performance.now() - started) / 1000 };
}

type Store = Awaited<ReturnType<typeof openStore>>;

/** A store on its own table served over loopback by the HTTP API, for the duration of `run`. */
async function withServer<T>(connection: Connection, label: string, run: (url: string, store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ connection, tableName: `bench-${label}-${Date.now()}` });
  const http = createHttpApp(store, { apiKeys: parseApiKeys(undefined) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: http.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const address = server.address();
  try {
    return await run(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, store);
  } finally {
    http.closeLiveStreams();
    await new Promise((resolve) => server.close(resolve));
    await store.table.delete();
    await store.close();
  }
}

/** G: HTTP overhead, autocannon on loopback vs the same calls through the library. */
export function httpBench(connection: Connection, quick: boolean) {
  const seconds = quick ? 3 : 10;
  const connections = 10;
  return withServer(connection, 'http', async (url, store) => {
    const user = await store.userService.register({ email: `bench.${Date.now()}@example.com`, firstName: 'B', lastName: 'H' });
    const body = JSON.stringify({ entityType: 'doc', entityId: 'd1', operation: 'update', data: { n: 1 } });
    const getHttp = await cannon({ url: `${url}/users/${user.userId}`, connections, duration: seconds });
    const getDirect = await direct(() => store.userService.get(user.userId), connections, seconds);
    // One connection: the appends of one project from one client follow each other.
    const postHttp = await cannon({
      url: `${url}/projects/bench-http-post/changes`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: 1,
      duration: seconds,
    });
    const postDirect = await direct(
      () => store.changeLog.append('bench-direct-post', { entityType: 'doc', entityId: 'd1', operation: 'update', data: { n: 1 } }),
      1,
      seconds,
    );
    return { getHttp, getDirect, postHttp, postDirect, connections, seconds };
  });
}

/** Bench-only: SSE clients follow one project over HTTP while changes are appended. */
export function sseBench(connection: Connection, clients: number, changes: number) {
  return withServer(connection, 'sse', (url, store) => sseFanOut(url, store, clients, changes));
}
