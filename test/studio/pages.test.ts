/**
 * The studio's pages in-process, on DynamoDB Local and on the in-memory twin: the table at a
 * glance, access patterns run from their forms (items, keys, request, capacity, paging), the
 * item editor (zod errors next to the fields, nothing invalid written), 404s and refusals.
 */
import test from 'ava';
import { isRepositoryError } from '../../src/index.ts';
import { backends } from '../support/db.ts';
import { fieldBlock, openStudioUnderTest, textOf } from './support.ts';

const taskId = { boardId: 'boardId-1', taskId: 'taskId-1' };
const taskPath = '/entities/task/item?boardId=boardId-1&taskId=taskId-1';

for (const backend of backends) {
  test(`${backend}: the overview shows every entity with its attributes, patterns, indexes, collection and item count`, async (t) => {
    const studio = await openStudioUnderTest(backend, 'studio-overview');
    t.teardown(() => studio.dispose());
    const page = await studio.get('/');
    t.is(page.status, 200);
    const text = textOf(page.html);
    for (const expected of [
      'board',
      'task',
      'byStatus',
      'gsi1pk',
      'gsi1sk',
      'workspace',
      "status 'todo' | 'doing' | 'done'",
      'assignee { name: string, email: string }?',
    ])
      t.true(text.includes(expected), expected);
    t.regex(page.html, /data-entity="task">3</, 'three seeded tasks');
    t.regex(page.html, /data-entity="board">3</, 'three seeded boards');
  });

  test(`${backend}: running an access pattern shows its items, their raw keys, the exact request and its consumed capacity, with paging`, async (t) => {
    const studio = await openStudioUnderTest(backend, 'studio-pattern');
    t.teardown(() => studio.dispose());
    const first = await studio.get('/entities/task/patterns/primary?boardId=boardId-1&run=1&limit=2');
    t.is(first.status, 200);
    const text = textOf(first.html);
    t.true(text.includes('page 1: 2 item(s)'), text);
    t.true(text.includes('$workspace#task_1#taskId_taskId-1'), 'the raw sort key of the first item');
    t.true(
      text.includes('KeyConditionExpression: pk = "$tablekit#boardId_boardId-1" AND begins_with(sk, "$workspace#task_1#taskId_")'),
      'the resolved key condition',
    );
    t.regex(first.html, /&quot;:v0&quot;: \{\s+&quot;S&quot;: &quot;\$tablekit#boardId_boardId-1&quot;/, 'attribute values as DynamoDB receives them');
    t.regex(text, /Query · [\d.]+ ms · 0\.5 capacity unit\(s\)/, 'an eventually consistent read of a small page costs 0.5 RCU');
    if (backend === 'dynamodb') t.regex(first.html, /&quot;ReturnConsumedCapacity&quot;: &quot;TOTAL&quot;/);
    else t.true(text.includes('estimated: in memory'));

    const next = /<a rel="next" href="([^"]+)"/.exec(first.html)?.[1]?.replace(/&amp;/g, '&');
    if (!next) return t.fail('no next-page link');
    const second = await studio.get(next);
    const secondText = textOf(second.html);
    t.true(secondText.includes('page 2: 1 item(s)'), secondText);
    t.true(secondText.includes('taskId-1-3'));
    t.false(secondText.includes('$workspace#task_1#taskId_taskId-1 '), 'the first page is not repeated');
  });

  test(`${backend}: a sort-key condition from the form becomes the key condition`, async (t) => {
    const studio = await openStudioUnderTest(backend, 'studio-condition');
    t.teardown(() => studio.dispose());
    const page = await studio.get('/entities/task/patterns/primary?boardId=boardId-1&taskId=taskId-1-2&taskId.op=gte&run=1');
    const text = textOf(page.html);
    t.true(text.includes('page 1: 2 item(s)'), text);
    t.true(text.includes('BETWEEN'), 'a range of keys, not a filter');
    t.false(text.includes('FilterExpression'));
  });

  test(`${backend}: an invalid edit is refused with the zod error next to the field, and nothing is written`, async (t) => {
    const studio = await openStudioUnderTest(backend, 'studio-invalid');
    t.teardown(() => studio.dispose());
    const before = await studio.tasks.entities.task.get(taskId);
    const refused = await studio.post(taskPath, {
      _version: String(before.version),
      'f.title': 'Renamed',
      'f.status': 'done',
      'f.priority': '99',
      'f.due': '2026-02-01T00:00:00.000Z',
      'f.tags': '["a"]',
      'f.assignee': '{ not json',
    });
    t.is(refused.status, 400);
    t.regex(textOf(fieldBlock(refused.html, 'assignee')), /not valid JSON/);
    const fixed = await studio.post(taskPath, {
      _version: String(before.version),
      'f.title': 'Renamed',
      'f.status': 'done',
      'f.priority': '99',
      'f.due': '2026-02-01T00:00:00.000Z',
      'f.tags': '[]',
    });
    t.is(fixed.status, 400);
    const priority = fieldBlock(fixed.html, 'priority');
    t.regex(priority, /aria-invalid="true"/);
    t.regex(textOf(priority), /too big|<=\s*5/i, 'zod says why, next to priority');
    t.is(fieldBlock(fixed.html, 'title').includes('class="error"'), false, 'only the invalid field has an error');
    t.true(fixed.html.includes('value="99"'), 'the form keeps what was typed');
    t.deepEqual(await studio.tasks.entities.task.get(taskId), before, 'nothing was written');
  });

  test(`${backend}: a valid edit saves through the entity API (one UpdateItem, guarded by the version) and shows the request`, async (t) => {
    const studio = await openStudioUnderTest(backend, 'studio-save');
    t.teardown(() => studio.dispose());
    const before = await studio.tasks.entities.task.get(taskId);
    const fields = {
      'f.title': 'Write the studio',
      'f.status': 'doing',
      'f.priority': '3',
      'f.due': '2026-02-01T00:00:00.000Z',
      'f.tags': '["ui", "docs"]',
      'f.assignee': '',
    };
    const saved = await studio.post(taskPath, { ...fields, _version: String(before.version) });
    t.is(saved.status, 303, saved.html.slice(0, 500));
    const after = await studio.tasks.entities.task.get(taskId);
    t.is(after.version, before.version + 1);
    t.is(after.title, 'Write the studio');
    t.deepEqual([...after.tags].sort(), ['docs', 'ui']);
    t.is(after.assignee, undefined, 'an emptied optional field is removed');
    const shown = await studio.get(saved.location ?? '');
    t.true(textOf(shown.html).includes('Saved.'));
    t.regex(textOf(shown.html), /UpdateItem · [\d.]+ ms/);

    const stale = await studio.post(taskPath, { ...fields, 'f.title': 'Stale', _version: String(before.version) });
    t.is(stale.status, 409, 'a save of an old version is a conflict');
    t.regex(textOf(stale.html), /RepositoryError\(conflict\)/);
    t.is((await studio.tasks.entities.task.get(taskId)).title, 'Write the studio');
  });

  test(`${backend}: create and delete through the forms`, async (t) => {
    const studio = await openStudioUnderTest(backend, 'studio-create');
    t.teardown(() => studio.dispose());
    const form = await studio.get('/entities/board/new');
    t.is(form.status, 200);
    t.regex(form.html, /name="f\.ownerEmail" value="ada@example\.com"/, 'prefilled with a valid sample');
    const invalid = await studio.post('/entities/board/new', { 'f.boardId': 'b-new', 'f.name': 'New board', 'f.ownerEmail': 'not an e-mail' });
    t.is(invalid.status, 400);
    t.regex(textOf(fieldBlock(invalid.html, 'ownerEmail')), /email/i);
    const missing = await studio.tasks.entities.board.getMany(['b-new']);
    t.deepEqual(missing.missing, ['b-new'], 'the invalid board was not written');

    const created = await studio.post('/entities/board/new', { 'f.boardId': 'b-new', 'f.name': 'New board', 'f.ownerEmail': 'grace@example.com' });
    t.is(created.status, 303);
    t.is(created.location?.split('&')[0], '/entities/board/item?boardId=b-new');
    t.is((await studio.tasks.entities.board.get('b-new')).name, 'New board');
    const again = await studio.post('/entities/board/new', { 'f.boardId': 'b-new', 'f.name': 'Copy', 'f.ownerEmail': 'grace@example.com' });
    t.is(again.status, 409);
    t.regex(textOf(again.html), /alreadyExists/);

    const deleted = await studio.post('/entities/board/item/delete?boardId=b-new', {});
    t.is(deleted.status, 303);
    await t.throwsAsync(studio.tasks.entities.board.get('b-new'), { instanceOf: Error, message: /not found/ });
  });
}

test('unknown entities, patterns, indexes and items are 404 pages that name what exists', async (t) => {
  const studio = await openStudioUnderTest('memory', 'studio-404');
  t.teardown(() => studio.dispose());
  for (const [path, expected] of [
    ['/entities/nope', "has no entity 'nope' (it has board, task)"],
    ['/entities/nope/patterns/primary', "has no entity 'nope'"],
    ['/entities/task/patterns/byNothing', "has no access pattern 'byNothing' (it has primary, byStatus)"],
    ['/entities/nope/new', "has no entity 'nope'"],
    ['/facets/gsi9', "has no index 'gsi9'"],
    ['/facets/gsi1?entity=board', "entity 'board' has no access pattern on index 'gsi1'"],
    ['/entities/task/item?boardId=boardId-1&taskId=missing', 'There is no task boardId-1 · missing'],
    ['/no/such/page', 'There is no page at /no/such/page'],
  ] as const) {
    const page = await studio.get(path);
    t.is(page.status, 404, path);
    t.true(textOf(page.html).includes(expected), `${path}: ${textOf(page.html).slice(-300)}`);
  }
  const post = await studio.post('/entities/nope/new', {});
  t.is(post.status, 404);
});

test('a key value that could forge another key is the validation error of the library, and nothing is read', async (t) => {
  const studio = await openStudioUnderTest('memory', 'studio-forge');
  t.teardown(() => studio.dispose());
  const forged = { boardId: 'b#status_done', status: 'todo' } as const;
  const library = await studio.tasks.entities.task.find.byStatus(forged).catch((error: unknown) => error);
  if (!isRepositoryError(library, 'validation')) return t.fail('the library accepted a forged key');
  const page = await studio.get(`/entities/task/patterns/byStatus?boardId=${encodeURIComponent(forged.boardId)}&status=todo&run=1`);
  t.is(page.status, 400);
  const text = textOf(page.html);
  t.true(text.includes('RepositoryError(validation)') && text.includes(library.message), text);
  t.regex(textOf(fieldBlock(page.html, 'boardId')), /cannot contain '#status_'/, 'the issue is shown next to the field');
  t.false(page.html.includes('data-operation="Query"'), 'no request was sent');
});

test('writes need the form token and the loopback Host; refused requests write nothing', async (t) => {
  const studio = await openStudioUnderTest('memory', 'studio-csrf');
  t.teardown(() => studio.dispose());
  const fields = { 'f.boardId': 'b-csrf', 'f.name': 'x', 'f.ownerEmail': 'x@example.com' };
  const noToken = await studio.post('/entities/board/new', fields, { token: null });
  t.is(noToken.status, 403);
  const otherSite = await studio.post('/entities/board/new', fields, { headers: { origin: 'https://evil.example' } });
  t.is(otherSite.status, 403);
  const rebound = await studio.get('/', { host: 'evil.example:4321' });
  t.is(rebound.status, 403);
  t.deepEqual((await studio.tasks.entities.board.getMany(['b-csrf'])).missing, ['b-csrf']);
});

test('the live view streams a write as it happens (in memory: the twin feed)', async (t) => {
  const studio = await openStudioUnderTest('memory', 'studio-live');
  t.teardown(() => studio.dispose());
  const response = await studio.app.fetch(new Request('http://127.0.0.1:4321/live/events', { headers: { host: '127.0.0.1:4321' } }));
  const reader = response.body?.getReader();
  if (!reader) return t.fail('no event stream');
  t.teardown(() => reader.cancel().catch(() => undefined));
  let buffer = '';
  const until = async (pattern: RegExp) => {
    while (!pattern.test(buffer)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${pattern}: ${buffer}`);
      buffer += new TextDecoder().decode(value);
    }
  };
  await until(/event: ready/);
  await studio.tasks.entities.board.create({ boardId: 'b-live', name: 'Live', ownerEmail: 'live@example.com' });
  await until(/event: change\ndata: .*b-live/);
  const data = /event: change\ndata: (.*b-live.*)\n/.exec(buffer)?.[1];
  const event = JSON.parse(data ?? '{}') as { entity: string; type: string; keys: { name: string; value: string }[]; href: string };
  t.is(event.entity, 'board');
  t.is(event.type, 'insert');
  t.deepEqual(
    event.keys.map((key) => key.name),
    ['pk', 'sk'],
  );
  t.is(event.href, '/entities/board/item?boardId=b-live');
});
