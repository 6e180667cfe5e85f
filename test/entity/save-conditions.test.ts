/**
 * save() is ONE UpdateItem (no read) on DynamoDB, keeps createdAt with if_not_exists and checks
 * the version it carries; custom write conditions (`if`, the operators of `where` with
 * $and/$or/$not) on create, save, patch and delete fail with `conditionFailed` naming the entity
 * and id, and write nothing — on both backends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineEntity, defineTable, type InferInput } from '../../src/index.ts';
import { both, fails, named } from './support.ts';

const Account = defineEntity({
  name: 'account',
  schema: z.object({
    accountId: z.string(),
    name: z.string(),
    status: z.enum(['open', 'frozen', 'closed']),
    balance: z.number(),
    tier: z.string().optional(),
    tags: z.set(z.string()).default(new Set()),
    history: z.array(z.number()).default([]),
  }),
  keys: { primary: { pk: ['accountId'] } },
  timestamps: true,
});
const Bank = defineTable({ name: 'save', entities: { account: Account }, streams: false });

const account = (overrides: Partial<InferInput<typeof Account>> = {}): InferInput<typeof Account> => ({
  accountId: 'a1',
  name: 'Ada',
  status: 'open',
  balance: 100,
  tier: 'gold',
  tags: new Set(['vip']),
  history: [1, 2],
  ...overrides,
});

both('save() is one UpdateItem and no read, for a new aggregate and for one carrying its version', Bank, async (t, { table, record }) => {
  const accounts = table.entities.account;
  const sent = record();
  const first = await accounts.save(account());
  t.is(first.version, 1);
  const second = await accounts.save({ ...first, balance: 50 });
  t.is(second.version, 2);
  t.is(second.balance, 50);
  if (sent) {
    t.deepEqual(
      sent.map((command) => command.name),
      ['UpdateItemCommand', 'UpdateItemCommand'],
      'no GetItem',
    );
    const [insert, replace] = named(sent, 'UpdateItemCommand').map((command) => command.input);
    t.regex(String(insert?.UpdateExpression), /if_not_exists/, 'createdAt kept without a read');
    t.is(insert?.ConditionExpression, undefined, 'a save without a version is an upsert');
    t.regex(String(replace?.ConditionExpression), /=/, 'the version it carries is checked');
    t.true(Object.values((replace?.ExpressionAttributeValues ?? {}) as Record<string, unknown>).includes(1));
  }
});

both('createdAt is kept across saves without a read; updatedAt and version move; absent optionals are removed', Bank, async (t, { table }) => {
  const accounts = table.entities.account;
  const created = await accounts.save(account());
  await sleep(3);
  const { tier: _tier, ...withoutTier } = created;
  const saved = await accounts.save({ ...withoutTier, createdAt: '2000-01-01T00:00:00.000Z' });
  t.is(saved.createdAt, created.createdAt, 'createdAt is the stored one, not the one given');
  t.true(saved.updatedAt > created.updatedAt);
  t.is(saved.version, 2);
  const stored = await accounts.get('a1');
  t.false('tier' in stored, 'an optional attribute left out is removed');
  t.is(stored.createdAt, created.createdAt);
  const { version: _version, ...unversioned } = stored;
  const upsert = await accounts.save({ ...unversioned, name: 'Last writer' });
  t.is(upsert.version, 3, 'a save without a version still moves it');
  t.is((await accounts.get('a1')).name, 'Last writer');
});

both('a save carrying a stale version is conflict naming the entity and id, and writes nothing', Bank, async (t, { table }) => {
  const accounts = table.entities.account;
  const v1 = await accounts.save(account());
  const v2 = await accounts.save({ ...v1, balance: 1 });
  await fails(t, accounts.save({ ...v1, balance: 999 }), 'conflict', { entity: 'account', id: 'a1' });
  const stored = await accounts.get('a1');
  t.deepEqual(stored, v2);
  await fails(t, accounts.save({ ...account({ accountId: 'ghost' }), version: 4 }), 'conflict', { entity: 'account', id: 'ghost' });
  await fails(t, accounts.get('ghost'), 'notFound');
});

both('create with `if`: a failed condition is conditionFailed and nothing is created; a taken id stays alreadyExists', Bank, async (t, { table }) => {
  const accounts = table.entities.account;
  await fails(t, accounts.create(account(), { if: { status: 'open' } }), 'conditionFailed', { entity: 'account', id: 'a1' });
  await fails(t, accounts.get('a1'), 'notFound', { entity: 'account', id: 'a1' });
  await accounts.create(account(), { if: { status: { exists: false } } });
  await fails(t, accounts.create(account(), { if: { status: { exists: false } } }), 'alreadyExists', { entity: 'account', id: 'a1' });
});

both('save with `if` ($and, $or, $not and the operators of where) writes only when the stored item matches', Bank, async (t, { table }) => {
  const accounts = table.entities.account;
  const stored = await accounts.save(account());
  const attempts = [
    { status: 'frozen' },
    { balance: { gt: 100 } },
    { $or: [{ status: 'closed' }, { balance: { lt: 0 } }] },
    { $not: { tags: { contains: 'vip' } } },
    { name: { beginsWith: 'B' } },
    { status: { in: ['frozen', 'closed'] } },
    { history: { size: { gt: 2 } } },
    { tier: { exists: false } },
    { balance: { between: [0, 99] } },
    { $and: [{ status: 'open' }, { name: { ne: 'Ada' } }] },
  ] as const;
  for (const condition of attempts) {
    await fails(t, accounts.save({ ...account(), balance: -1 }, { if: condition }), 'conditionFailed', { entity: 'account', id: 'a1' });
  }
  t.deepEqual(await accounts.get('a1'), stored, 'nothing was written');
  const saved = await accounts.save(
    { ...account(), balance: 7 },
    {
      if: {
        status: { in: ['open'] },
        $or: [{ balance: { gte: 100 } }, { tier: 'none' }],
        $not: { name: 'Bob' },
        history: { size: { eq: 2 } },
        tags: { contains: 'vip' },
      },
    },
  );
  t.is(saved.balance, 7);
});

both('patch and delete with `if`: conditionFailed with the id, nothing changed or deleted; a passing condition writes', Bank, async (t, { table }) => {
  const accounts = table.entities.account;
  await accounts.create(account());
  await fails(t, accounts.patch('a1', { set: { status: 'frozen' } }, { if: { $not: { status: 'open' } } }), 'conditionFailed', { entity: 'account', id: 'a1' });
  await fails(t, accounts.delete('a1', { if: { balance: { lt: 100 } } }), 'conditionFailed', { entity: 'account', id: 'a1' });
  await fails(t, accounts.delete('a1', { if: { $or: [{ status: 'closed' }, { status: 'frozen' }] } }), 'conditionFailed', { entity: 'account', id: 'a1' });
  const stored = await accounts.get('a1');
  t.is(stored.status, 'open');
  t.is(stored.version, 1);
  await accounts.patch('a1', { set: { status: 'closed' } }, { if: { status: 'open', balance: { gte: 100 } } });
  await accounts.delete('a1', { if: { status: 'closed' } });
  await fails(t, accounts.get('a1'), 'notFound');
  await fails(t, accounts.delete('a1', { if: { status: 'closed' } }), 'notFound', { entity: 'account', id: 'a1' });
});

both(
  'an unknown attribute, operator or a mistyped operand in `if` is a validation error naming it, before anything is sent',
  Bank,
  async (t, { table, record }) => {
    const accounts = table.entities.account;
    await accounts.create(account());
    const sent = record();
    type If = NonNullable<Parameters<typeof accounts.patch>[2]>['if'];
    await fails(t, accounts.patch('a1', { set: { name: 'X' } }, { if: { nope: 1 } as unknown as If }), 'validation', { fields: ['nope'] });
    await fails(t, accounts.delete('a1', { if: { balance: { almost: 1 } } as unknown as If }), 'validation', { fields: ['balance'] });
    await fails(t, accounts.save(account(), { if: { balance: 'rich' } as unknown as If }), 'validation', { fields: ['balance'] });
    await fails(t, accounts.create(account({ accountId: 'a2' }), { if: { $or: [] } }), 'validation', { fields: ['$or'] });
    if (sent) t.deepEqual(sent, [], 'no request');
    t.is((await accounts.get('a1')).name, 'Ada');
  },
);
