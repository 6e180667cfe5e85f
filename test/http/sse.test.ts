/**
 * GET /projects/:p/changes/live over real HTTP: history then live as SSE, resume with
 * Last-Event-ID while changes keep being appended, streams ending on SIGTERM (`tablekit-server`
 * on DynamoDB Local), and a history of more than 1,000 changes (a server on a socket over the
 * in-memory twin, where 1,050 changes are written in milliseconds).
 */
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import test from 'ava';
import { openStore } from '../../entities/index.ts';
import { createHttpApp, parseApiKeys } from '../../server/index.ts';
import { inMemory } from '../../src/testing.ts';
import { changeInputs, request, SseReader, startServer, type ChangeJson, type Served, type SseEvent } from './server.ts';

let server: Served;

test.before(async () => {
  server = await startServer('http-sse');
});

test.after.always(async () => {
  await server?.dispose();
});

const project = () => `live-${randomUUID().slice(0, 8)}`;

async function append(p: string, n: number, prefix = 'e'): Promise<ChangeJson[]> {
  const res = await request<{ changes: ChangeJson[] }>(`${server.url}/projects/${p}/changes`, { method: 'POST', json: changeInputs(n, prefix) });
  if (res.status !== 201) throw new Error(`append → ${res.status} ${res.text}`);
  return res.body.changes;
}

async function openLive(url: string, p: string, options: { since?: number; lastEventId?: string; signal?: AbortSignal } = {}) {
  const response = await fetch(`${url}/projects/${p}/changes/live${options.since !== undefined ? `?since=${options.since}` : ''}`, {
    headers: { accept: 'text/event-stream', ...(options.lastEventId !== undefined ? { 'last-event-id': options.lastEventId } : {}) },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return response;
}

const ids = (events: SseEvent[]) => events.map((event) => Number(event.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('history then live changes, as SSE events with id = seq and data = the change', async (t) => {
  const p = project();
  await append(p, 3, 'h');
  const response = await openLive(server.url, p);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = new SseReader(response);
  t.teardown(() => reader.cancel());

  const history = await reader.take(3);
  t.deepEqual(ids(history), [1, 2, 3]);
  for (const event of history) {
    t.is(event.event, 'change');
    const change = JSON.parse(event.data) as { seq: number; projectId: string; entityType: string };
    t.is(change.seq, Number(event.id));
    t.is(change.projectId, p);
    t.is(change.entityType, 'doc');
  }

  await append(p, 2, 'l');
  const live = await reader.take(2);
  t.deepEqual(ids(live), [4, 5]);
  t.is((JSON.parse(live[1]?.data ?? '{}') as { entityId: string }).entityId, 'l1');

  // Another project's changes do not show up: the next event is this project's seq 6.
  await append(project(), 1);
  await append(p, 1, 'z');
  t.deepEqual(ids(await reader.take(1)), [6]);
});

test('?since=n starts after n; Last-Event-ID overrides since; an invalid Last-Event-ID → 400', async (t) => {
  const p = project();
  await append(p, 5);
  const since = new SseReader(await openLive(server.url, p, { since: 3 }));
  t.teardown(() => since.cancel());
  t.deepEqual(ids(await since.take(2)), [4, 5]);

  const resumed = new SseReader(await openLive(server.url, p, { since: 0, lastEventId: '4' }));
  t.teardown(() => resumed.cancel());
  t.deepEqual(ids(await resumed.take(1)), [5]);

  // Not decimal digits: Number() would read '' as 0, '0x10' as 16 and '1e3' as 1000.
  for (const lastEventId of ['banana', '', '0x10', '1e3', '-1', '2.5']) {
    const bad = await openLive(server.url, p, { lastEventId });
    t.is(bad.status, 400, JSON.stringify(lastEventId));
    await bad.body?.cancel();
  }
  const negative = await openLive(server.url, p, { since: -1 });
  t.is(negative.status, 400);
  await negative.body?.cancel();
});

test('reconnecting with Last-Event-ID resumes at n+1 with no duplicate and no gap while changes keep coming', async (t) => {
  const p = project();
  await append(p, 5, 'pre');
  const total = 5 + 15;
  // A writer appending one change at a time for the whole test.
  const writer = (async () => {
    for (let i = 0; i < 15; i++) await append(p, 1, `w${i}-`);
  })();

  const first = new SseReader(await openLive(server.url, p));
  const seen = await first.take(8);
  await first.cancel();
  const lastId = seen.at(-1)?.id;
  t.is(lastId, '8');

  const second = new SseReader(await openLive(server.url, p, { lastEventId: lastId ?? '' }));
  t.teardown(() => second.cancel());
  const rest = await second.take(total - 8);
  await writer;

  const all = [...ids(seen), ...ids(rest)];
  t.deepEqual(all, range(1, total));
  for (const event of rest) t.is((JSON.parse(event.data) as { seq: number }).seq, Number(event.id));
  // A third reconnect at the end sees only what comes next.
  const third = new SseReader(await openLive(server.url, p, { lastEventId: String(total) }));
  t.teardown(() => third.cancel());
  await append(p, 1, 'last');
  t.deepEqual(ids(await third.take(1)), [total + 1]);
});

test('SIGTERM ends open SSE streams (the client sees end of stream) and the server exits 0; without keys --host 0.0.0.0 is bound to 127.0.0.1', async (t) => {
  const own = await startServer('http-sse-term', {}, ['--host', '0.0.0.0']);
  try {
    t.regex(own.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    t.regex(own.log(), /binding to 127\.0\.0\.1 instead of 0\.0\.0\.0/);
    const p = project();
    const res = await request(`${own.url}/projects/${p}/changes`, { method: 'POST', json: changeInputs(2) });
    t.is(res.status, 201);
    const readers = await Promise.all([openLive(own.url, p), openLive(own.url, p, { since: 1 })]).then((responses) => responses.map((r) => new SseReader(r)));
    const [first, second] = readers;
    t.deepEqual(ids((await first?.take(2)) ?? []), [1, 2]);
    t.deepEqual(ids((await second?.take(1)) ?? []), [2]);
    const code = own.stop();
    for (const reader of readers) {
      // Only keep-alive comments could come before the end; any event or a reset fails.
      const next = await reader.next().then(
        (event) => (event === undefined ? 'end of stream' : `event ${JSON.stringify(event)}`),
        (error: unknown) => `error ${String(error)}`,
      );
      t.is(next, 'end of stream');
    }
    t.is(await code, 0, own.log());
    t.regex(own.log(), /SIGTERM: draining/);
    await t.throwsAsync(fetch(`${own.url}/health`), undefined, 'the server no longer listens');
  } finally {
    await own.dispose();
  }
});

test('the SSE feed follows a project past a history of 1,050 changes (regression: it stopped after 1,000): every id once, in order, then live', async (t) => {
  const connection = inMemory();
  const store = await openStore({ connection, tableName: `sse-long-${randomUUID().slice(0, 8)}` });
  const http = createHttpApp(store, { apiKeys: parseApiKeys(undefined) });
  const listening = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: http.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  t.teardown(async () => {
    http.closeLiveStreams();
    (listening as unknown as { closeAllConnections(): void }).closeAllConnections();
    await new Promise((resolve) => listening.close(resolve));
    await store.close();
  });
  const address = listening.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const p = project();
  await store.changeLog.appendMany(
    p,
    range(1, 1_050).map((n) => ({ entityType: 'doc', entityId: `d-${n % 5}`, operation: 'update', data: { n } })),
  );

  const reader = new SseReader(await openLive(url, p));
  t.teardown(() => reader.cancel());
  const history = await reader.take(1_050);
  t.deepEqual(ids(history), range(1, 1_050));
  t.true(history.every((event) => (JSON.parse(event.data) as ChangeJson).seq === Number(event.id)));
  // Resuming in the middle of the long history works too.
  const resumed = new SseReader(await openLive(url, p, { lastEventId: '990' }));
  t.teardown(() => resumed.cancel());
  t.deepEqual(ids(await resumed.take(60)), range(991, 1_050));
  await store.changeLog.append(p, { entityType: 'doc', entityId: 'live', operation: 'create', data: {} });
  t.deepEqual(ids(await reader.take(1)), [1_051]);
  t.deepEqual(ids(await resumed.take(1)), [1_051]);
});
