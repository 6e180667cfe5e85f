/**
 * The stored layout: what tablekit writes into the table, read raw (a Scan through the
 * connection's own DocumentClient on DynamoDB, the twin's storage in memory). Keys are ElectroDB's
 * (number composites zero-padded, dates as ISO strings), an item without a secondary-index
 * composite is left out of that (sparse) index, an empty set is absent — and the twin stores
 * exactly what DynamoDB stores.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import test from 'ava';
import { z } from 'zod';
import { defineEntity, defineTable } from '../../src/index.ts';
import { openTable, type Backend } from '../support/db.ts';
import { rawItems } from './refusals.ts';

const Listing = defineEntity({
  name: 'listing',
  schema: z.object({
    id: z.string(),
    category: z.string(),
    price: z.int().min(0),
    listedAt: z.date(),
    token: z.string().optional(),
    labels: z.set(z.string()),
    image: z.instanceof(Uint8Array).optional(),
    dimensions: z.object({ width: z.number(), depth: z.number().optional() }),
  }),
  keys: {
    primary: { pk: ['id'] },
    byCategory: { index: 'gsi1', pk: ['category'], sk: ['price'] },
    byToken: { index: 'gsi2', pk: ['token'], sk: [] },
  },
});
const Layout = defineTable({ name: 'layout', entities: { listing: Listing }, streams: false, ttlAttribute: false });

const listedAt = new Date('2026-01-02T03:04:05.678Z');
const listings = [
  {
    id: 'l-1',
    category: 'lamps',
    price: 1999,
    listedAt,
    token: 'tok-1',
    labels: new Set(['desk', 'led']),
    image: new Uint8Array([0, 255, 7]),
    dimensions: { width: 20 },
  },
  { id: 'l-2', category: 'lamps', price: 5, listedAt, labels: new Set<string>(), dimensions: { width: 1.5, depth: 2 } },
];

async function writeAndRead(backend: Backend) {
  const handle = await openTable(backend, Layout, 'layout');
  try {
    const repo = handle.table.entities.listing;
    await repo.createAll(listings);
    const raw = await rawItems(handle);
    const sparse =
      'doc' in handle.connection
        ? (await handle.connection.doc.send(new ScanCommand({ TableName: handle.table.tableName, IndexName: 'gsi2' }))).Items
        : undefined;
    return {
      raw,
      sparse,
      byToken: await repo.find.byToken({ token: 'tok-1' }),
      cheap: await repo.find.byCategory({ category: 'lamps', price: { lt: 1000 } }),
      back: await repo.getMany(['l-1', 'l-2']),
    };
  } finally {
    await handle.dispose();
  }
}

test('the raw items: ElectroDB keys, padded number composites, ISO dates, a sparse index, no empty set — the same in memory as on DynamoDB', async (t) => {
  const [dynamo, memory] = await Promise.all([writeAndRead('dynamodb'), writeAndRead('memory')]);
  const [first, second] = dynamo.raw;
  if (!first || !second) return t.fail(`two raw items expected, got ${dynamo.raw.length}`);
  t.true(String(first.pk).endsWith('l-1'), String(first.pk));
  t.true(String(first.gsi1pk).endsWith('lamps'), String(first.gsi1pk));
  t.true(String(first.gsi1sk).endsWith('0000000000001999'), `a number composite is zero-padded: ${String(first.gsi1sk)}`);
  t.true(String(second.gsi1sk).endsWith('0000000000000005'), String(second.gsi1sk));
  t.is(first.listedAt, '2026-01-02T03:04:05.678Z', 'a date is stored as its ISO string');
  t.is(first.__edb_e__, 'listing');
  t.is(first.version, 1);
  t.deepEqual(first.labels, new Set(['desk', 'led']), 'a string set');
  t.deepEqual(first.dimensions, { width: 20 });
  t.true('gsi2pk' in first);
  t.false('gsi2pk' in second, 'no token: no gsi2 partition key, so not in the byToken index');
  t.false('labels' in second, 'an empty set is left out (DynamoDB cannot store one)');
  t.false('image' in second);
  t.deepEqual(
    dynamo.sparse?.map((item) => item.id),
    ['l-1'],
    'the gsi2 index holds only the item with a token',
  );

  t.deepEqual(memory.raw, dynamo.raw, 'the twin stores exactly what DynamoDB stores');
  for (const result of [dynamo, memory]) {
    t.deepEqual(
      result.byToken.items.map((item) => item.id),
      ['l-1'],
    );
    t.deepEqual(
      result.cheap.items.map((item) => item.id),
      ['l-2'],
    );
    t.deepEqual(result.back.items, [
      { ...listings[0], version: 1 },
      { ...listings[1], version: 1 },
    ]);
  }
});

test("ElectroDB's own entities (table.electro) read what tablekit wrote, on the same client; in memory there are none", async (t) => {
  const handle = await openTable('dynamodb', Layout, 'layout-electro');
  try {
    await handle.table.entities.listing.createAll(listings);
    const electro = handle.table.electro.entities.listing;
    if (!electro) return t.fail('no ElectroDB entity for listing');
    const read = (await electro.get({ id: 'l-1' }).go()) as { data: Record<string, unknown> | null };
    t.is(read.data?.id, 'l-1');
    t.is(read.data?.price, 1999);
    t.is(read.data?.listedAt, '2026-01-02T03:04:05.678Z');
    const byCategory = electro.query.byCategory;
    if (!byCategory) return t.fail('no byCategory query on the ElectroDB entity');
    const page = (await byCategory({ category: 'lamps' }).go()) as { data: Record<string, unknown>[] };
    t.deepEqual(
      page.data.map((item) => item.id),
      ['l-2', 'l-1'],
      'ordered by the padded price',
    );
  } finally {
    await handle.dispose();
  }
  const memory = await openTable('memory', Layout, 'layout-electro');
  try {
    t.throws(() => memory.table.electro, { message: /DynamoDB connection/ });
  } finally {
    await memory.dispose();
  }
});
