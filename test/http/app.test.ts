/**
 * createHttpApp in process (app.fetch, no socket) over a store on DynamoDB Local and on the
 * in-memory twin: PATCH /users/{id} is the entity API's atomic patch guarded by If-Match (RFC 9110:
 * `*`, lists, weak and unquoted tags; a tag that can never match is 412), the hidden refresh-token
 * hash never appears in a response, GET /users?email= is 404 for an unknown address, and list
 * limits are capped.
 */
import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import type { Store } from '../../entities/index.ts';
import { createHttpApp, parseApiKeys, type HttpApp } from '../../server/index.ts';
import { isolatedStore, range, recordCommands, useBackendStores } from '../services/support.ts';
import { backends } from '../support/db.ts';

const { storeOf } = useBackendStores('http-app');
const apps: HttpApp[] = [];
test.after.always(() => {
  for (const app of apps) app.closeLiveStreams();
});

function appOf(store: Store): HttpApp {
  const app = createHttpApp(store, { apiKeys: parseApiKeys(undefined) });
  apps.push(app);
  return app;
}

interface Reply {
  status: number;
  etag: string | null;
  text: string;
  body: Record<string, unknown>;
}

async function call(app: HttpApp, method: string, path: string, options: { json?: unknown; ifMatch?: string } = {}): Promise<Reply> {
  const headers = new Headers();
  if (options.json !== undefined) headers.set('content-type', 'application/json');
  if (options.ifMatch !== undefined) headers.set('if-match', options.ifMatch);
  const response = await app.fetch(
    new Request(`http://tablekit.test${path}`, { method, headers, ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}) }),
  );
  const text = await response.text();
  return { status: response.status, etag: response.headers.get('etag'), text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const email = () => `http-${randomUUID().slice(0, 8)}@example.com`;

async function registered(t: ExecutionContext, app: HttpApp, address = email()): Promise<{ userId: string; email: string }> {
  const reply = await call(app, 'POST', '/users', { json: { email: address, firstName: 'Ada', lastName: 'Lovelace' } });
  t.is(reply.status, 201, reply.text);
  return { userId: String(reply.body.userId), email: String(reply.body.email) };
}

for (const backend of backends) {
  const title = (name: string) => `[${backend}] ${name}`;

  test(
    title('PATCH with If-Match: the current version (strong, weak, unquoted, in a list) or * applies; a stale or impossible tag is 412 and changes nothing'),
    async (t) => {
      const store = storeOf(backend);
      const app = appOf(store);
      const { userId } = await registered(t, app);
      const patch = (ifMatch: string | undefined, lastName: string) =>
        call(app, 'PATCH', `/users/${userId}`, { json: { lastName }, ...(ifMatch !== undefined ? { ifMatch } : {}) });

      for (const [ifMatch, version] of [
        ['"1"', 2],
        ['W/"2"', 3],
        ['3', 4],
        ['"9", "4"', 5],
        ['*', 6],
        [undefined, 7],
      ] as const) {
        const reply = await patch(ifMatch, `Name${version}`);
        t.is(reply.status, 200, `If-Match ${ifMatch}: ${reply.text}`);
        t.is(reply.etag, `"${version}"`);
        t.like(reply.body, { userId, lastName: `Name${version}`, version });
      }
      for (const ifMatch of ['"6"', '"abc"', '"0"', '', '"8", "9"', '"99999999999999999999"']) {
        const reply = await patch(ifMatch, 'Never');
        t.is(reply.status, 412, `If-Match ${JSON.stringify(ifMatch)}: ${reply.text}`);
        t.is((reply.body.error as { code?: string } | undefined)?.code, 'conflict');
      }
      t.like(await store.userService.get(userId), { lastName: 'Name7', version: 7 }, 'no failed precondition wrote anything');
      // An empty patch changes nothing and still checks the precondition.
      t.like((await call(app, 'PATCH', `/users/${userId}`, { json: {}, ifMatch: '"7"' })).body, { version: 7 });
      t.is((await call(app, 'PATCH', `/users/${userId}`, { json: {}, ifMatch: '"6"' })).status, 412);
      // A missing user is 404 whatever the precondition (RFC 9110 §13.2.1).
      for (const ifMatch of ['*', '"1"', '"abc"'])
        t.is((await call(app, 'PATCH', `/users/${randomUUID()}`, { json: { lastName: 'X' }, ifMatch })).status, 404, ifMatch);
    },
  );

  test(title('PATCH moving the e-mail: a stale If-Match is 412 and the claim stays; a taken address is 409; the current version moves it'), async (t) => {
    const store = storeOf(backend);
    const app = appOf(store);
    const ada = await registered(t, app);
    const bob = await registered(t, app);
    const target = email();
    const stale = await call(app, 'PATCH', `/users/${ada.userId}`, { json: { email: target }, ifMatch: '"5"' });
    t.is(stale.status, 412, stale.text);
    t.is((await store.userService.getByEmail(ada.email)).userId, ada.userId, 'the old address is still hers');
    t.is((await call(app, 'GET', `/users?email=${encodeURIComponent(target)}`)).status, 404, 'the new address was not claimed');

    const taken = await call(app, 'PATCH', `/users/${ada.userId}`, { json: { email: bob.email.toUpperCase() }, ifMatch: '"1"' });
    t.is(taken.status, 409, taken.text);
    t.is((taken.body.error as { code?: string } | undefined)?.code, 'duplicate');

    const moved = await call(app, 'PATCH', `/users/${ada.userId}`, { json: { email: ` ${target.toUpperCase()} `, firstName: 'Augusta' }, ifMatch: '"1"' });
    t.is(moved.status, 200, moved.text);
    t.like(moved.body, { email: target, firstName: 'Augusta', version: 2 });
    t.is((await call(app, 'GET', `/users?email=${encodeURIComponent(target)}`)).body.userId, ada.userId);
    t.is((await call(app, 'GET', `/users?email=${encodeURIComponent(ada.email)}`)).status, 404, 'the old address is free');
    t.is((await call(app, 'POST', '/users', { json: { email: ada.email, firstName: 'Carol', lastName: 'Reuse' } })).status, 201);
  });

  test(title('concurrent PATCHes with the same If-Match: exactly one applies, the others are 412'), async (t) => {
    const store = storeOf(backend);
    const app = appOf(store);
    const { userId } = await registered(t, app);
    const replies = await Promise.all(
      range(1, 6).map((index) => call(app, 'PATCH', `/users/${userId}`, { json: { lastName: `Racer${index}` }, ifMatch: '"1"' })),
    );
    t.deepEqual(replies.map((reply) => reply.status).sort(), [200, 412, 412, 412, 412, 412], replies.map((reply) => reply.text).join('\n'));
    const winner = replies.find((reply) => reply.status === 200);
    t.like(await store.userService.get(userId), { version: 2, lastName: winner?.body.lastName });
  });

  test(title('the refresh-token hash never appears in a user response; GET /users?email= is normalised, unknown → 404'), async (t) => {
    const store = storeOf(backend);
    const app = appOf(store);
    const { userId, email: address } = await registered(t, app);
    await store.userService.issueRefreshToken(userId);
    const hash = (await store.entities.user.get(userId, { include: ['refreshTokenHash'] })).refreshTokenHash;
    t.regex(hash ?? '', /^[0-9a-f]{64}$/, 'a hash is stored');
    const replies = [
      await call(app, 'GET', `/users/${userId}`),
      await call(app, 'GET', `/users?email=${encodeURIComponent(` ${address.toUpperCase()}`)}`),
      await call(app, 'PATCH', `/users/${userId}`, { json: { firstName: 'Grace' } }),
      await call(app, 'PATCH', `/users/${userId}`, { json: {} }),
    ];
    for (const reply of replies) {
      t.is(reply.status, 200, reply.text);
      t.is(reply.body.userId, userId);
      t.false(reply.text.includes('refreshTokenHash') || reply.text.includes(hash ?? '?'), reply.text);
    }
    const unknown = await call(app, 'GET', `/users?email=${encodeURIComponent(email())}`);
    t.is(unknown.status, 404);
    t.is((unknown.body.error as { code?: string } | undefined)?.code, 'notFound');
  });
}

test('[dynamodb] PATCH of a name with If-Match is ONE UpdateItem; moving the e-mail reads the user, then ONE transaction', async (t) => {
  const store = storeOf('dynamodb');
  const { userId } = await registered(t, appOf(store));
  const own = await isolatedStore(t, store.table.tableName);
  const seen = recordCommands(own);
  const app = appOf(own);
  t.is((await call(app, 'PATCH', `/users/${userId}`, { json: { firstName: 'One', lastName: 'Request' }, ifMatch: '"1"' })).status, 200);
  t.deepEqual(
    seen.splice(0).map((command) => command.name),
    ['UpdateItemCommand'],
  );
  t.is((await call(app, 'PATCH', `/users/${userId}`, { json: { email: email() }, ifMatch: '"2"' })).status, 200);
  t.deepEqual(
    seen.splice(0).map((command) => command.name),
    ['GetItemCommand', 'TransactWriteItemsCommand'],
  );
});

test('[memory] list limits are capped at maxLimit (default 1000) with a cursor for the rest', async (t) => {
  const store = storeOf('memory');
  const projectId = `capped-${randomUUID().slice(0, 8)}`;
  await store.changeLog.appendMany(
    projectId,
    range(1, 1_005).map((index) => ({ entityType: 'doc', entityId: `d-${index % 5}`, operation: 'update', data: { index } })),
  );
  const seqs = (reply: Reply) => (reply.body.items as { seq: number }[]).map((change) => change.seq);
  const capped = await call(appOf(store), 'GET', `/projects/${projectId}/changes?limit=5000`);
  t.is(capped.status, 200, capped.text.slice(0, 300));
  t.deepEqual(seqs(capped), range(1, 1_000));
  const rest = await call(appOf(store), 'GET', `/projects/${projectId}/changes?limit=5000&cursor=${encodeURIComponent(String(capped.body.cursor))}`);
  t.deepEqual(seqs(rest), range(1_001, 1_005));
  const small = createHttpApp(store, { apiKeys: parseApiKeys(undefined), maxLimit: 7 });
  apps.push(small);
  const page = await call(small, 'GET', `/projects/${projectId}/changes?limit=50`);
  t.deepEqual(seqs(page), range(1, 7));
  t.is(typeof page.body.cursor, 'string');
});
