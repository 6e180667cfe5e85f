/**
 * `hidden` and `readOnly` declarations on both backends: a hidden attribute is never returned by
 * any read or write result (get, getMany, getByUnique, find, query, patch, save, update, stream)
 * unless `include` asks for it, and a write that leaves it out keeps it; a read-only attribute
 * is refused by patch and by a save/update that changes it, and accepted unchanged.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineEntity, defineTable, type InferInput } from '../../src/index.ts';
import { both, fails } from './support.ts';

const Member = defineEntity({
  name: 'member',
  schema: z.object({
    memberId: z.string(),
    org: z.string(),
    email: z.string(),
    name: z.string(),
    tokenHash: z.string().optional(),
    createdBy: z.string(),
  }),
  keys: { primary: { pk: ['memberId'] }, byOrg: { index: 'gsi1', pk: ['org'], sk: ['memberId'] } },
  unique: { email: true },
  hidden: ['tokenHash'],
  readOnly: ['createdBy'],
  timestamps: true,
});
const Note = defineEntity({
  name: 'note',
  schema: z.object({ noteId: z.string(), author: z.string(), text: z.string() }),
  keys: { primary: { pk: ['noteId'] } },
  readOnly: ['author'],
});
const Org = defineTable({ name: 'declared', entities: { member: Member, note: Note }, streams: false });
const LiveOrg = defineTable({ name: 'declaredlive', entities: { member: Member } });

const member = (memberId: string, overrides: Partial<InferInput<typeof Member>> = {}): InferInput<typeof Member> => ({
  memberId,
  org: 'o1',
  email: `${memberId}@x.io`,
  name: memberId,
  tokenHash: `hash-${memberId}`,
  createdBy: 'admin',
  ...overrides,
});

both('a hidden attribute is left out of every read and write result unless `include` lists it', Org, async (t, { table }) => {
  const members = table.entities.member;
  const created = await members.create(member('m1'));
  t.false('tokenHash' in created, 'create');
  await members.create(member('m2'));
  t.false('tokenHash' in (await members.get('m1')), 'get');
  t.is((await members.get('m1', { include: ['tokenHash'] })).tokenHash, 'hash-m1');
  t.false('tokenHash' in (await members.getById('m1')), 'getById');
  const many = await members.getMany(['m1', 'm2']);
  t.true(
    many.items.every((item) => !('tokenHash' in item)),
    'getMany',
  );
  t.deepEqual(
    (await members.getMany(['m1'], { include: ['tokenHash'] })).items.map((item) => item.tokenHash),
    ['hash-m1'],
  );
  t.false('tokenHash' in (await members.getByUnique('email', 'm1@x.io')), 'getByUnique');
  t.is((await members.getByUnique('email', 'm1@x.io', { include: ['tokenHash'] })).tokenHash, 'hash-m1');
  const page = await members.find.byOrg({ org: 'o1' });
  t.is(page.items.length, 2);
  t.true(
    page.items.every((item) => !('tokenHash' in item)),
    'find',
  );
  t.deepEqual(
    (await members.find.byOrg({ org: 'o1' }, { include: ['tokenHash'] })).items.map((item) => item.tokenHash),
    ['hash-m1', 'hash-m2'],
  );
  t.true(
    (await members.query()).every((item) => !('tokenHash' in item)),
    'query (scan)',
  );
  t.true((await members.query({ pattern: 'byOrg', key: { org: 'o1' } }, { include: ['tokenHash'] })).every((item) => item.tokenHash?.startsWith('hash-')));
  t.false('tokenHash' in (await members.patch('m1', { set: { name: 'M1' } })), 'patch');
  t.false('tokenHash' in (await members.save({ ...(await members.get('m1')), name: 'M1b' })), 'save');
  t.false('tokenHash' in (await members.update('m1', (current) => ({ ...current, name: 'M1c' }))), 'update');
  await fails(t, members.get('m1', { include: ['name'] as unknown as ['tokenHash'] }), 'validation', { fields: ['include'] });
  t.is((await members.get('m1', { include: ['tokenHash'] })).tokenHash, 'hash-m1', 'writes that left it out kept it');
  const patched = await members.patch('m1', { set: { tokenHash: 'new' } });
  t.false('tokenHash' in patched);
  t.is((await members.get('m1', { include: ['tokenHash'] })).tokenHash, 'new');
});

both('stream(id) leaves the hidden attribute out of the current item and of every change', LiveOrg, async (t, { table }) => {
  const members = table.entities.member;
  await members.create(member('m1'));
  t.teardown(() => members.dispose());
  const iterator = members.stream('m1')[Symbol.asyncIterator]();
  const within = <T>(promise: Promise<T>) => Promise.race([promise, sleep(20_000).then(() => Promise.reject(new Error('no stream emission within 20 s')))]);
  const first = await within(iterator.next());
  t.false(first.done);
  t.is(first.value?.name, 'm1');
  t.false('tokenHash' in (first.value ?? {}));
  await members.patch('m1', { set: { name: 'changed', tokenHash: 'h2' } });
  const second = await within(iterator.next());
  t.is(second.value?.name, 'changed');
  t.false('tokenHash' in (second.value ?? {}));
  await iterator.return?.();
});

both('readOnly: patch of it is validation; save or update changing it is validation and writes nothing; unchanged is fine', Org, async (t, { table }) => {
  const members = table.entities.member;
  const created = await members.create(member('m1'));
  type P = Parameters<typeof members.patch>[1];
  await fails(t, members.patch('m1', { set: { createdBy: 'mallory' } } as unknown as P), 'validation', { entity: 'member', id: 'm1', fields: ['createdBy'] });
  await fails(t, members.save({ ...created, name: 'X', createdBy: 'mallory' }), 'validation', { entity: 'member', id: 'm1', fields: ['createdBy'] });
  await fails(
    t,
    members.update('m1', (current) => ({ ...current, name: 'Y', createdBy: 'mallory' })),
    'validation',
    { id: 'm1', fields: ['createdBy'] },
  );
  const stored = await members.get('m1');
  t.is(stored.createdBy, 'admin');
  t.is(stored.name, 'm1');
  t.is(stored.version, 1, 'nothing was written');
  t.is((await members.save({ ...created, name: 'Saved' })).createdBy, 'admin');
  t.is((await members.update('m1', (current) => ({ ...current, name: 'Updated' }))).name, 'Updated');
  t.is((await members.patch('m1', { set: { name: 'Patched' } })).createdBy, 'admin');
  const first = await members.save(member('m2', { createdBy: 'first-save' }));
  t.is(first.createdBy, 'first-save', 'the first save sets it');
});

both('readOnly without unique fields (save is one UpdateItem, no read): a change is still refused and writes nothing', Org, async (t, { table, record }) => {
  const notes = table.entities.note;
  const created = await notes.save({ noteId: 'n1', author: 'ann', text: 'v1' });
  const sent = record();
  await fails(t, notes.save({ ...created, author: 'bob', text: 'v2' }), 'validation', { entity: 'note', id: 'n1', fields: ['author'] });
  const { version: _version, ...unversioned } = created;
  await fails(t, notes.save({ ...unversioned, author: 'bob' }), 'validation', { fields: ['author'] });
  if (sent)
    t.deepEqual(
      sent.map((command) => command.name),
      ['UpdateItemCommand', 'UpdateItemCommand'],
      'refused by the condition, without a read',
    );
  t.deepEqual(await notes.get('n1'), created);
  t.is((await notes.save({ ...created, text: 'v2' })).text, 'v2');
});
