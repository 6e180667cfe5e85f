/**
 * `tablekit export workbench`: a NoSQL Workbench data model (format 3.0) with the table's keys and
 * GSIs, one facet per access pattern, and sample items whose keys are the ones tablekit writes.
 */
import test from 'ava';
import { z } from 'zod';
import { AppTable } from '../../entities/index.ts';
import { toWorkbenchModel, type WorkbenchModel } from '../../src/docs/index.ts';
import { defineEntity, defineTable } from '../../src/index.ts';
import { openStudio, seedSamples } from '../../src/studio/index.ts';
import type { TableLayout } from '../../src/table/index.ts';
import { inMemory } from '../../src/testing.ts';
import { runCaptured } from '../support/process.ts';
import { TaskTable } from '../studio/fixture-table.ts';

const root = new URL('../..', import.meta.url).pathname;
const attributeTypes = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

/** The key attributes a pattern queries: its index's partition and sort key. */
const queriedKeys = (table: TableLayout, index: string) => {
  const keys = table.indexes[index];
  return keys ? [keys.pk, ...(keys.sk ? [keys.sk] : [])] : [];
};

function checkModel(
  t: { true(value: boolean, message?: string): void; is(a: unknown, b: unknown, message?: string): void },
  model: WorkbenchModel,
  table: TableLayout,
) {
  const [data] = model.DataModel;
  if (!data) throw new Error('no table in the model');
  t.is(model.DataModel.length, 1);
  for (const facet of data.TableFacets) {
    const pattern = table.patterns.find((candidate) => `${candidate.entity}.${candidate.pattern}` === facet.FacetName);
    if (!pattern) throw new Error(`facet ${facet.FacetName} has no pattern`);
    t.true(facet.TableData.length > 0, `${facet.FacetName} has sample data`);
    for (const item of facet.TableData) {
      for (const key of [...queriedKeys(table, 'primary'), ...queriedKeys(table, pattern.index)]) {
        const value = item[key];
        t.true(typeof value?.S === 'string' && value.S.length > 0, `${facet.FacetName}: item carries ${key}`);
      }
      for (const [name, value] of Object.entries(item))
        t.true(Object.keys(value).length === 1 && attributeTypes.has(Object.keys(value)[0] ?? ''), `${name} is typed`);
    }
    for (const name of facet.NonKeyAttributes)
      t.true(
        facet.TableData.some((item) => name in item),
        `${facet.FacetName}: ${name} appears in its data`,
      );
  }
  const declared = new Map(data.NonKeyAttributes.map((attribute) => [attribute.AttributeName, attribute.AttributeType]));
  t.is(declared.size, data.NonKeyAttributes.length, 'every attribute is declared once');
  for (const item of data.TableData)
    for (const [name, value] of Object.entries(item)) {
      if (name === data.KeyAttributes.PartitionKey.AttributeName || name === data.KeyAttributes.SortKey?.AttributeName) continue;
      t.is(declared.get(name), Object.keys(value)[0], `${name}: the declared type is the type of its values`);
    }
}

test('the bundled table: model metadata, keys, GSIs, one facet per access pattern, sample items with their keys', (t) => {
  const model = toWorkbenchModel(AppTable, { now: new Date('2026-01-02T15:04:00Z') });
  t.is(model.ModelName, 'tablekit');
  t.like(model.ModelMetadata, { AWSService: 'Amazon DynamoDB', Version: '3.0', DateCreated: 'Jan 02, 2026, 03:04 PM' });
  const [data] = model.DataModel;
  t.like(data, {
    TableName: 'tablekit',
    KeyAttributes: { PartitionKey: { AttributeName: 'pk', AttributeType: 'S' }, SortKey: { AttributeName: 'sk', AttributeType: 'S' } },
    BillingMode: 'PAY_PER_REQUEST',
  });
  t.deepEqual(data?.GlobalSecondaryIndexes, [
    {
      IndexName: 'gsi1',
      KeyAttributes: { PartitionKey: { AttributeName: 'gsi1pk', AttributeType: 'S' }, SortKey: { AttributeName: 'gsi1sk', AttributeType: 'S' } },
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: 'gsi2',
      KeyAttributes: { PartitionKey: { AttributeName: 'gsi2pk', AttributeType: 'S' }, SortKey: { AttributeName: 'gsi2sk', AttributeType: 'S' } },
      Projection: { ProjectionType: 'ALL' },
    },
  ]);
  t.deepEqual(
    data?.TableFacets.map((facet) => facet.FacetName),
    AppTable.patterns.map((pattern) => `${pattern.entity}.${pattern.pattern}`),
  );
  t.like(data?.TableFacets.find((facet) => facet.FacetName === 'videoProgress.primary')?.KeyAttributeAlias, {
    PartitionKeyAlias: 'userId',
    SortKeyAlias: 'videoId',
  });
  checkModel(t, model, AppTable);
});

test('sample keys are exactly the keys tablekit writes for the same items', async (t) => {
  // The studio's seeding writes each entity's example through the entity API; the raw items then carry the keys it built.
  const studio = openStudio({ definition: AppTable, connection: inMemory() });
  await studio.table.ensure();
  await seedSamples(studio);
  const written = (await studio.table.storage.scan({})).items;
  for (const facet of toWorkbenchModel(AppTable).DataModel[0]?.TableFacets ?? []) {
    const [sample] = facet.TableData;
    const same = written.find((item) => item.pk === sample?.pk?.S && item.sk === sample?.sk?.S);
    if (!same || !sample) return t.fail(`${facet.FacetName}: no item written under the sample's primary key`);
    for (const key of ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']) t.is(sample[key]?.S, same[key] as string | undefined, `${facet.FacetName}: ${key}`);
  }
});

test('entities without examples get generated samples; an optional composite is filled in so its sparse index facet has keys', (t) => {
  const Coupon = defineEntity({
    name: 'coupon',
    schema: z.object({ couponId: z.uuid(), code: z.string().optional(), percent: z.int().min(1).max(90) }),
    keys: { primary: { pk: ['couponId'], sk: [] }, byCode: { index: 'gsi1', pk: ['code'], sk: [] } },
    example: { couponId: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', percent: 10 },
  });
  const Shop = defineTable({ name: 'shop', entities: { coupon: Coupon } });
  const model = toWorkbenchModel(Shop);
  checkModel(t, model, Shop);
  checkModel(t, toWorkbenchModel(TaskTable), TaskTable);
  t.is(model.DataModel[0]?.TableFacets.find((facet) => facet.FacetName === 'coupon.byCode')?.TableData[0]?.gsi1pk?.S, '$tablekit#code_code-1');
});

test('tablekit export workbench --module prints the model as JSON', async (t) => {
  const result = await runCaptured(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'export', 'workbench', '--module', 'test/studio/fixture-table.ts', '--table-name', 'tasks-dev'],
    {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  t.is(result.code, 0, result.stderr);
  const model = JSON.parse(result.stdout) as WorkbenchModel;
  t.is(model.DataModel[0]?.TableName, 'tasks-dev');
  t.deepEqual(
    model.DataModel[0]?.TableFacets.map((facet) => facet.FacetName),
    ['board.primary', 'task.primary', 'task.byStatus'],
  );
});
