/**
 * Hostile values through the entity API, on DynamoDB Local and the twin: either the item round-trips
 * exactly, or the write is a `validation` error naming the field and nothing is written.
 */
import { z } from 'zod';
import { defineEntity, defineTable } from '../../src/index.ts';
import { both, fails } from '../entity/support.ts';

const Doc = defineEntity({
  name: 'doc',
  schema: z.object({
    docId: z.string(),
    data: z.record(z.string(), z.unknown()).default({}),
    anything: z.unknown().optional(),
    text: z.string().optional(),
    // An optional attribute in a multi-attribute GSI key: the index is sparse.
    region: z.string().optional(),
    tier: z.string().optional(),
  }),
  keys: { primary: { pk: ['docId'] }, byPlace: { index: 'gsi1', pk: ['region', 'tier'], sk: ['docId'] } },
  versioned: false,
});
const Docs = defineTable({ name: 'hostile', entities: { doc: Doc } });

const nested = (levels: number) => {
  let value: Record<string, unknown> = {};
  for (let level = 0; level < levels; level++) value = { next: value };
  return value;
};

both('a `constructor` key anywhere in the data is stored and read back', Docs, async (t, { table }) => {
  const docs = table.entities.doc;
  const written = await docs.create({ docId: 'c', data: { constructor: 'x', nested: { constructor: { constructor: 1 } } }, anything: { constructor: [1] } });
  t.deepEqual(written.data, { constructor: 'x', nested: { constructor: { constructor: 1 } } });
  const read = await docs.get('c');
  t.deepEqual(read.data, written.data);
  t.deepEqual(read.anything, { constructor: [1] });
});

both('values that would not come back as written are refused, naming the field, and nothing is written', Docs, async (t, { table }) => {
  const docs = table.entities.doc;
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  class Point {
    x = 1;
  }
  const hostile: [string, Record<string, unknown>][] = [
    ['__proto__ key', { data: JSON.parse('{"__proto__": {"admin": true}}') }],
    ['undefined list element', { anything: [1, undefined, 2] }],
    ['function', { anything: () => 1 }],
    ['symbol', { anything: Symbol('s') }],
    ['bigint', { anything: 10n }],
    ['Map', { anything: new Map([['a', 1]]) }],
    ['class instance', { anything: new Point() }],
    ['Date in an untyped field', { anything: { at: new Date() } }],
    ['circular reference', { anything: circular }],
    ['33 levels of nesting', { anything: nested(33) }],
    ['100,000 levels of nesting', { anything: nested(100_000) }],
    ['lone surrogate in a value', { text: 'Q\ud800' }],
    ['lone surrogate in a map key', { data: { 'k\udfff': 1 } }],
  ];
  for (const [label, fields] of hostile) {
    const field = Object.keys(fields)[0] ?? '';
    await fails(t, docs.create({ docId: `h-${label}`, ...fields }), 'validation', { fields: [field] });
  }
  t.deepEqual(await docs.query(), [], 'nothing was written');
  // 30 levels is within DynamoDB's 32.
  await docs.create({ docId: 'deep', anything: nested(30) });
  t.deepEqual((await docs.get('deep')).anything, nested(30));
});

both('item size is counted in UTF-8 bytes as DynamoDB does, not JSON escapes', Docs, async (t, { table }) => {
  const docs = table.entities.doc;
  // 100,000 NUL characters are 100,000 bytes (JSON would escape each to 6); 250,000 newlines 250,000.
  await docs.create({ docId: 'nul', text: '\u0000'.repeat(100_000) });
  await docs.create({ docId: 'newlines', text: '\n'.repeat(250_000) });
  t.is((await docs.get('nul')).text?.length, 100_000);
  await fails(t, docs.create({ docId: 'big', text: 'x'.repeat(410 * 1024) }), 'validation', { message: /400|bytes/ });
  // Keys: DynamoDB allows 2,048 bytes of partition key; the built key adds a prefix.
  await fails(t, docs.create({ docId: 'k'.repeat(2049) }), 'validation', { message: /2048|bytes/ });
  t.deepEqual((await docs.getMany(['big'])).missing, ['big']);
});

both('an optional attribute of a multi-attribute GSI key makes that index sparse, not an error', Docs, async (t, { table }) => {
  const docs = table.entities.doc;
  await docs.create({ docId: 'without' });
  await docs.create({ docId: 'half', region: 'eu' });
  await docs.create({ docId: 'placed', region: 'eu', tier: 'gold' });
  const placed = await docs.find.byPlace({ region: 'eu', tier: 'gold' });
  t.deepEqual(
    placed.items.map((item) => item.docId),
    ['placed'],
  );
  // Setting the missing composite later puts the item in the index.
  await docs.patch('half', { set: { region: 'eu', tier: 'gold' } });
  t.deepEqual((await docs.find.byPlace({ region: 'eu', tier: 'gold' })).items.map((item) => item.docId).sort(), ['half', 'placed']);
});

both('negative zero is stored as 0 (DynamoDB keeps no -0): the write returns what a read returns', Docs, async (t, { table }) => {
  const docs = table.entities.doc;
  const written = await docs.create({ docId: 'z', data: { n: -0, list: [-0] } });
  const read = await docs.get('z');
  t.true(Object.is(written.data.n, 0));
  t.true(Object.is(read.data.n, 0));
  t.deepEqual(read.data, written.data);
});
