/**
 * DynamoDB types and generated ids on both backends: string and number sets and binary
 * round-trip (stored as SS / NS / B on DynamoDB), an empty set reads back as an empty Set, and
 * conditions work on them; addAutoIdentified on a composite key generates only the sort-key
 * attributes (the partition is the caller's), on a one-attribute key the id.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { defineEntity, defineTable, type InferInput } from '../../src/index.ts';
import test from 'ava';
import { both, fails, open } from './support.ts';

const Asset = defineEntity({
  name: 'asset',
  schema: z.object({
    assetId: z.string(),
    names: z.set(z.string()),
    sizes: z.set(z.number()),
    data: z.instanceof(Uint8Array),
    thumb: z.instanceof(Uint8Array).optional(),
    meta: z.object({ labels: z.set(z.string()).default(new Set()), bytes: z.instanceof(Uint8Array).optional() }).optional(),
  }),
  keys: { primary: { pk: ['assetId'] } },
  versioned: false,
});
const Line = defineEntity({
  name: 'line',
  schema: z.object({ customerId: z.string(), lineId: z.string(), text: z.string() }),
  keys: { primary: { pk: ['customerId'], sk: ['lineId'] } },
});
const Tag = defineEntity({
  name: 'tag',
  schema: z.object({ tagId: z.string(), label: z.string() }),
  keys: { primary: { pk: ['tagId'] } },
});
const Shift = defineEntity({
  name: 'shift',
  schema: z.object({ staffId: z.string(), start: z.date(), site: z.string(), due: z.date().optional(), badge: z.string() }),
  keys: { primary: { pk: ['staffId'], sk: ['start'] }, bySite: { index: 'gsi1', pk: ['site'], sk: ['due'] } },
  unique: { badge: true },
});
const Store = defineTable({ name: 'values', entities: { asset: Asset, line: Line, tag: Tag, shift: Shift }, streams: false });

/** Sets as sorted arrays (DynamoDB returns set members in its own order), recursively. */
const plain = (value: unknown): unknown => {
  if (value instanceof Set) return [...value].map(plain).sort();
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
};

const bytes = Uint8Array.from({ length: 256 }, (_, index) => index);
const asset = (assetId: string, overrides: Partial<InferInput<typeof Asset>> = {}): InferInput<typeof Asset> => ({
  assetId,
  names: new Set(['b', 'a', 'ü']),
  sizes: new Set([1, 2.5, -3, 1e10]),
  data: bytes,
  meta: { labels: new Set(['x']), bytes: new Uint8Array([0, 0, 1]) },
  ...overrides,
});

both('string sets, number sets and binary round-trip through create, get, save, query and getMany', Store, async (t, { table }) => {
  const assets = table.entities.asset;
  const created = await assets.create(asset('a1'));
  const stored = await assets.get('a1');
  t.deepEqual(plain(stored), plain(created));
  t.true(stored.names instanceof Set);
  t.deepEqual(plain(stored.names), ['a', 'b', 'ü']);
  t.deepEqual(plain(stored.sizes), [-3, 1, 1e10, 2.5].sort());
  t.true(stored.data instanceof Uint8Array);
  t.deepEqual([...stored.data], [...bytes]);
  t.deepEqual(stored.meta?.labels, new Set(['x']));
  t.deepEqual([...(stored.meta?.bytes ?? [])], [0, 0, 1]);
  const saved = await assets.save({ ...stored, thumb: new Uint8Array([9]), sizes: new Set([7]) });
  t.deepEqual([...(saved.thumb ?? [])], [9]);
  t.deepEqual((await assets.get('a1')).sizes, new Set([7]));
  const [viaQuery] = await assets.query();
  t.deepEqual(plain(viaQuery), plain(await assets.get('a1')));
  t.deepEqual(plain((await assets.getMany(['a1'])).items), [plain(await assets.get('a1'))]);
});

both('an empty set is left out and reads back as an empty Set (top level and nested)', Store, async (t, { table }) => {
  const assets = table.entities.asset;
  const created = await assets.create(asset('a2', { names: new Set(), meta: { labels: new Set() } }));
  t.deepEqual(created.names, new Set());
  const stored = await assets.get('a2');
  t.true(stored.names instanceof Set);
  t.is(stored.names.size, 0);
  t.deepEqual(stored.meta?.labels, new Set());
  await assets.save({ ...stored, sizes: new Set() });
  t.deepEqual((await assets.get('a2')).sizes, new Set());
  t.deepEqual(
    (await assets.page(undefined, { where: { names: { exists: false } } })).items.map((item) => item.assetId),
    ['a2'],
    'the empty set is not stored',
  );
});

both('conditions on sets and binary: contains, size, eq on bytes', Store, async (t, { table }) => {
  const assets = table.entities.asset;
  await assets.create(asset('a1'));
  await assets.create(asset('a2', { names: new Set(['z']), sizes: new Set([4]), data: new Uint8Array([1, 2]) }));
  const ids = async (where: NonNullable<Parameters<typeof assets.query>[1]>['where']) =>
    (await assets.query(undefined, { where })).map((item) => item.assetId).sort();
  t.deepEqual(await ids({ names: { contains: 'ü' } }), ['a1']);
  t.deepEqual(await ids({ sizes: { contains: 2.5 } }), ['a1']);
  t.deepEqual(await ids({ names: { size: { lt: 2 } } }), ['a2']);
  t.deepEqual(await ids({ data: new Uint8Array([1, 2]) }), ['a2']);
  t.deepEqual(await ids({ data: { ne: new Uint8Array([1, 2]) } }), ['a1']);
  await fails(t, assets.delete('a2', { if: { data: { eq: new Uint8Array([1, 3]) } } }), 'conditionFailed', { id: 'a2' });
  await assets.delete('a2', { if: { data: new Uint8Array([1, 2]), names: { contains: 'z' } } });
  await fails(t, assets.get('a2'), 'notFound');
});

test('[dynamodb] sets and binary are stored as SS, NS and B', async (t) => {
  const { table } = await open(t, 'dynamodb', Store, 'values');
  await table.entities.asset.create(asset('a1'));
  const connection = table.connection;
  if (!('client' in connection)) return t.fail('expected a DynamoDB connection');
  const scanned = await connection.client.send(new ScanCommand({ TableName: table.tableName }));
  const raw = scanned.Items?.[0] ?? {};
  t.deepEqual([...(raw.names?.SS ?? [])].sort(), ['a', 'b', 'ü']);
  t.deepEqual(
    (raw.sizes?.NS ?? []).map(Number).sort((a, b) => a - b),
    [-3, 1, 2.5, 1e10],
  );
  t.deepEqual([...(raw.data?.B ?? [])], [...bytes]);
  t.deepEqual(raw.meta?.M?.labels?.SS, ['x']);
});

both('addAutoIdentified on a composite key generates the sort-key attributes; the partition must be given and is kept', Store, async (t, { table }) => {
  const lines = table.entities.line;
  const created = await lines.addAutoIdentified({ customerId: 'c1', text: 'hello' });
  t.is(created.customerId, 'c1');
  t.regex(created.lineId, /^[0-9a-f-]{36}$/);
  t.deepEqual(await lines.get({ customerId: 'c1', lineId: created.lineId }), created);
  const other = await lines.addAutoIdentified({ customerId: 'c1', text: 'again' });
  t.not(other.lineId, created.lineId);
  t.deepEqual((await lines.find.primary({ customerId: 'c1' })).items.length, 2);
  await fails(t, lines.addAutoIdentified({ text: 'no partition' } as unknown as InferInput<typeof Line>), 'validation', {
    entity: 'line',
    fields: ['customerId'],
  });
  t.is((await lines.query()).length, 2, 'nothing written');
  const seen: unknown[] = [];
  const withCallback = await lines.addAutoIdentified({ customerId: 'c2', text: 'cb' }, (object, id) => {
    seen.push(id);
    return { ...object, text: `id ${JSON.stringify(id).length}` };
  });
  t.deepEqual(seen, [{ customerId: 'c2', lineId: withCallback.lineId }]);
  t.true(withCallback.text.startsWith('id '));
  const { id } = lines.autoIdentify({ customerId: 'c3' });
  t.is(id.customerId, 'c3');
  t.regex(id.lineId, /^[0-9a-f-]{36}$/);
});

both('addAutoIdentified on a one-attribute key generates the id', Store, async (t, { table }) => {
  const tags = table.entities.tag;
  const created = await tags.addAutoIdentified({ label: 'x' });
  t.regex(created.tagId, /^[0-9a-f-]{36}$/);
  t.is((await tags.get(created.tagId)).label, 'x');
  t.is(created.version, 1);
});

both('z.date() key composites: create, get by a Date id, ranges of Dates, a rebuilt index key and a unique claim', Store, async (t, { table }) => {
  const shifts = table.entities.shift;
  const day = (n: number) => new Date(Date.UTC(2026, 0, n, 8));
  for (const n of [3, 1, 2]) await shifts.create({ staffId: 's1', start: day(n), site: 'x', due: day(n + 10), badge: `b${n}` });
  const got = await shifts.get({ staffId: 's1', start: day(2) });
  t.true(got.start instanceof Date);
  t.is(got.start.toISOString(), day(2).toISOString());
  const range = await shifts.find.primary({ staffId: 's1', start: { gte: day(2) } });
  t.deepEqual(
    range.items.map((shift) => shift.start.getUTCDate()),
    [2, 3],
  );
  await shifts.patch({ staffId: 's1', start: day(1) }, { set: { due: day(30) } });
  const late = await shifts.find.bySite({ site: 'x', due: { gt: day(13) } });
  t.deepEqual(
    late.items.map((shift) => shift.start.getUTCDate()),
    [1],
  );
  t.is((await shifts.getByUnique('badge', 'b3')).start.toISOString(), day(3).toISOString(), 'the claim finds an owner keyed by a Date');
  await fails(t, shifts.create({ staffId: 's1', start: new Date(Number.NaN), site: 'x', badge: 'b9' }), 'validation', { fields: ['start'] });
});
