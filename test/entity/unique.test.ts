/**
 * `unique` declarations on both backends: a taken (normalised) value is `duplicate` on every write
 * path — create, patch, save, update, createAll, updateAll, saveAll, transactions — changing the
 * value moves the claim atomically, deleting frees it, and concurrent claims have one winner.
 */
import { z } from 'zod';
import { defineEntity, defineTable, type InferInput } from '../../src/index.ts';
import { both, fails } from './support.ts';

const User = defineEntity({
  name: 'user',
  schema: z.object({ userId: z.string(), email: z.string(), name: z.string(), org: z.string() }),
  keys: { primary: { pk: ['userId'] } },
  unique: { email: { normalise: (email: string) => email.trim().toLowerCase() } },
  timestamps: true,
});
const Team = defineEntity({
  name: 'team',
  schema: z.object({ teamId: z.string(), name: z.string() }),
  keys: { primary: { pk: ['teamId'] } },
});
const Users = defineTable({ name: 'unique', entities: { user: User, team: Team }, streams: false });

const user = (userId: string, email: string): InferInput<typeof User> => ({ userId, email, name: userId.toUpperCase(), org: 'o' });

both('create with a taken normalised value is duplicate and writes nothing; getByUnique finds by the normalised value', Users, async (t, { table }) => {
  const users = table.entities.user;
  await users.create(user('u1', 'Ada@Example.com'));
  await fails(t, users.create(user('u2', '  ada@example.COM ')), 'duplicate', { entity: 'user' });
  await fails(t, users.get('u2'), 'notFound');
  t.is((await users.getByUnique('email', ' ADA@example.com')).userId, 'u1');
  await fails(t, users.getByUnique('email', 'nobody@example.com'), 'notFound', { entity: 'user', id: 'nobody@example.com' });
  await fails(t, users.getByUnique('name', 'U1'), 'validation');
});

both('patch, save and update move the claim atomically: the old value is free, the new one taken', Users, async (t, { table }) => {
  const users = table.entities.user;
  await users.create(user('u1', 'a@x.io'));
  await users.create(user('u2', 'b@x.io'));
  await users.patch('u1', { set: { email: 'A2@x.io' } });
  t.is((await users.getByUnique('email', 'a2@x.io')).userId, 'u1');
  await fails(t, users.getByUnique('email', 'a@x.io'), 'notFound');
  await fails(t, users.patch('u2', { set: { email: 'a2@X.io' } }), 'duplicate', { entity: 'user' });
  t.is((await users.get('u2')).email, 'b@x.io', 'the refused patch changed nothing');

  const u2 = await users.get('u2');
  await users.save({ ...u2, email: 'a@x.io' });
  t.is((await users.getByUnique('email', 'A@X.IO')).userId, 'u2', 'the freed value is reusable');
  await fails(t, users.save({ ...(await users.get('u2')), email: 'a2@x.io' }), 'duplicate');

  await users.update('u1', (current) => ({ ...current, email: 'c@x.io' }));
  await fails(
    t,
    users.update('u2', (current) => ({ ...current, email: ' C@x.io' })),
    'duplicate',
  );
  await users.create(user('u3', 'a2@x.io'));
  t.is((await users.getByUnique('email', 'c@x.io')).userId, 'u1');
  t.is((await users.getByUnique('email', 'a2@x.io')).userId, 'u3');
  const renamed = await users.patch('u3', { set: { name: 'Same email' } });
  t.is(renamed.email, 'a2@x.io', 'a patch of another field keeps the claim');
  t.is((await users.getByUnique('email', 'a2@x.io')).name, 'Same email');
});

both('delete frees the value; the item is gone and its claim too', Users, async (t, { table }) => {
  const users = table.entities.user;
  await users.create(user('u1', 'a@x.io'));
  await users.delete('u1');
  await fails(t, users.getByUnique('email', 'a@x.io'), 'notFound');
  await users.create(user('u2', 'A@x.io'));
  t.is((await users.getByUnique('email', 'a@x.io')).userId, 'u2');
});

both('createAll, updateAll, saveAll and deleteAll keep the claims; two items of a batch with one value are duplicate', Users, async (t, { table }) => {
  const users = table.entities.user;
  await fails(t, users.createAll([user('u1', 'a@x.io'), user('u2', 'A@X.io ')]), 'duplicate', { entity: 'user' });
  t.deepEqual(await users.query(), [], 'nothing written');
  await users.createAll([user('u1', 'a@x.io'), user('u2', 'b@x.io')]);
  await fails(t, users.create(user('u3', 'B@x.io')), 'duplicate');

  await users.updateAll([{ id: 'u1', object: user('u1', 'c@x.io') }]);
  await fails(t, users.updateAll([{ id: 'u1', object: user('u1', 'b@x.io') }]), 'duplicate');
  await fails(
    t,
    users.updateAll([
      { id: 'u1', object: user('u1', 'x@x.io') },
      { id: 'u2', object: user('u2', 'X@x.io') },
    ]),
    'duplicate',
  );
  await users.create(user('u3', 'a@x.io'));

  await fails(t, users.saveAll([user('u4', 'd@x.io'), user('u5', 'D@x.io')]), 'duplicate');
  await users.saveAll([user('u4', 'd@x.io'), user('u2', 'e@x.io')]);
  await fails(t, users.create(user('u6', 'd@x.io')), 'duplicate');
  await users.create(user('u6', 'b@x.io'));
  await fails(t, users.saveAll([user('u7', 'e@x.io')]), 'duplicate', { message: /0 of 1 items were written/ });

  await users.deleteAll(['u1', 'u2', 'missing']);
  await users.createAll([user('u8', 'c@x.io'), user('u9', 'e@x.io')]);
  const owners = await Promise.all(['a', 'b', 'c', 'd', 'e'].map(async (name) => (await users.getByUnique('email', `${name}@x.io`)).userId));
  t.deepEqual(owners, ['u3', 'u6', 'u8', 'u4', 'u9']);
});

both('a transaction write keeps claims: a taken value cancels everything as duplicate; a moved value frees the old one', Users, async (t, { table }) => {
  const { user: users, team } = table.entities;
  await users.create(user('u1', 'a@x.io'));
  await fails(
    t,
    table.transactWrite((tx) => [tx.team.create({ teamId: 't1', name: 'T' }), tx.user.create(user('u2', 'A@x.io'))]),
    'duplicate',
    { entity: 'user' },
  );
  await fails(t, team.get('t1'), 'notFound', { entity: 'team' });
  await table.transactWrite((tx) => [
    tx.team.create({ teamId: 't1', name: 'T' }),
    tx.user.patch('u1', { set: { email: 'b@x.io' } }),
    tx.user.create(user('u2', 'c@x.io')),
  ]);
  await users.create(user('u3', 'a@x.io'));
  t.is((await users.getByUnique('email', 'b@x.io')).userId, 'u1');
  t.is((await users.getByUnique('email', 'c@x.io')).userId, 'u2');
  await table.transactWrite((tx) => [tx.user.delete('u2'), tx.team.delete('t1')]);
  await users.create(user('u4', 'c@x.io'));
  t.is((await users.getByUnique('email', 'c@x.io')).userId, 'u4');
});

both(
  'concurrent creates of one value with different ids: exactly one wins, the others are duplicate',
  Users,
  async (t, { table }) => {
    const users = table.entities.user;
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, index) => users.create(user(`u${index}`, index % 2 ? 'Same@x.io' : 'same@x.io '))));
    const won = results.filter((result) => result.status === 'fulfilled');
    t.is(won.length, 1);
    for (const result of results) {
      if (result.status === 'rejected') t.is((result.reason as { code?: string }).code, 'duplicate');
    }
    const winner = won[0]?.status === 'fulfilled' ? won[0].value.userId : 'none';
    t.is((await users.getByUnique('email', 'same@x.io')).userId, winner);
    t.is((await users.query()).length, 1);
  },
  { maxAttempts: 8 },
);
