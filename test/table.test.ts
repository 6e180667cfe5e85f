/**
 * The table layer: CreateTable input and layout checks, ensure/describe/list/delete against
 * DynamoDB Local, and the CloudFormation and IAM exports. (The AWS CLI export: table-cli.test.ts.)
 */
import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import test, { type ExecutionContext } from 'ava';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { connect, defineEntity, defineTable, SchemaDefinitionError, TableMismatchError, type Connection } from '../src/index.ts';
import { AppTable } from '../entities/index.ts';
import { uniqueTableName } from './support/db.ts';

let connection: Connection;
const created: string[] = [];

/** A unique table name for this file; every such table is deleted after the run. */
function tableName(label: string): string {
  const name = uniqueTableName(`table-${label}`);
  created.push(name);
  return name;
}

test.before(async () => {
  connection = await connect();
});

test.after.always(async () => {
  if (!connection) return;
  const bound = AppTable.bind(connection);
  const existing = new Set(await bound.list());
  await Promise.all(created.filter((name) => existing.has(name)).map((name) => AppTable.bind(connection, { tableName: name }).delete()));
  await connection.close();
});

// ---------------------------------------------------------------------------------------------
// CreateTable input

const Note = defineEntity({
  name: 'note',
  schema: z.object({ noteId: z.string(), owner: z.string(), title: z.string() }),
  keys: { primary: { pk: ['noteId'] }, byOwner: { index: 'gsi1', pk: ['owner'], sk: ['title'] } },
});

const Tag = defineEntity({
  name: 'tag',
  schema: z.object({ tag: z.string(), count: z.int().min(0) }),
  keys: { primary: { pk: ['tag'] } },
});

const attributeNames = (input: CreateTableCommandInput) => (input.AttributeDefinitions ?? []).map((a) => a.AttributeName).sort();

test('createTableInput of the AppTable: keys, both GSIs, PAY_PER_REQUEST, NEW_AND_OLD_IMAGES stream', (t) => {
  const input = AppTable.createTableInput('x');
  t.is(input.TableName, 'x');
  t.deepEqual(attributeNames(input), ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'pk', 'sk']);
  t.true((input.AttributeDefinitions ?? []).every((a) => a.AttributeType === 'S'));
  t.deepEqual(input.KeySchema, [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ]);
  t.deepEqual(
    input.GlobalSecondaryIndexes?.map((gsi) => [
      gsi.IndexName,
      gsi.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`).join(','),
      gsi.Projection?.ProjectionType,
    ]),
    [
      ['gsi1', 'gsi1pk:HASH,gsi1sk:RANGE', 'ALL'],
      ['gsi2', 'gsi2pk:HASH,gsi2sk:RANGE', 'ALL'],
    ],
  );
  t.is(input.BillingMode, 'PAY_PER_REQUEST');
  t.deepEqual(input.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  t.is(AppTable.createTableInput().TableName, 'tablekit');
});

test('an entity set that uses only gsi1 gets no gsi2 attributes and no gsi2 index', (t) => {
  const table = defineTable({ name: 'notes', entities: { note: Note, tag: Tag } });
  const input = table.createTableInput();
  t.deepEqual(attributeNames(input), ['gsi1pk', 'gsi1sk', 'pk', 'sk']);
  t.deepEqual(
    input.GlobalSecondaryIndexes?.map((gsi) => gsi.IndexName),
    ['gsi1'],
  );
  t.deepEqual(table.usedIndexes, ['gsi1']);
});

test('an entity set without access patterns gets only the primary key and no GSIs', (t) => {
  const table = defineTable({ name: 'tags', entities: { tag: Tag }, streams: false, ttlAttribute: false });
  const input = table.createTableInput();
  t.deepEqual(attributeNames(input), ['pk', 'sk']);
  t.false('GlobalSecondaryIndexes' in input);
  t.false('StreamSpecification' in input);
  t.is(table.ttlAttribute, undefined);
});

test('table definitions reject inconsistent layouts', (t) => {
  t.throws(() => defineTable({ name: 'bad', entities: { notTheName: Tag } }), { message: /notTheName/ });
  t.throws(() => defineTable({ name: 'bad', entities: { note: Note }, indexes: { primary: { pk: 'pk', sk: 'sk' } } }), { message: /gsi1/ });
  const Clash = defineEntity({ name: 'clash', schema: z.object({ pk: z.string() }), keys: { primary: { pk: ['pk'] } } });
  t.throws(() => defineTable({ name: 'bad', entities: { clash: Clash } }), { message: /clashes/ });
  const Marker = defineEntity({ name: 'marker', schema: z.object({ id: z.string(), __edb_e__: z.string() }), keys: { primary: { pk: ['id'] } } });
  t.throws(() => defineTable({ name: 'bad', entities: { marker: Marker } }), { instanceOf: SchemaDefinitionError, message: /__edb_e__/ });
  t.throws(() => defineTable({ name: 'bad', entities: { note: Note }, indexes: { primary: { pk: 'pk', sk: 'sk' }, gsi1: { pk: 'gsi1pk' } } }), {
    message: /index 'gsi1' has no sort key/,
  });
});

test('a table rejects two access patterns of one entity on the same index', (t) => {
  const Twice = defineEntity({
    name: 'twice',
    schema: z.object({ id: z.string(), owner: z.string(), title: z.string() }),
    keys: { primary: { pk: ['id'] }, byOwner: { index: 'gsi1', pk: ['owner'], sk: ['id'] }, byTitle: { index: 'gsi1', pk: ['title'], sk: ['id'] } },
  });
  const error = t.throws(() => defineTable({ name: 'bad', entities: { twice: Twice } }), { instanceOf: SchemaDefinitionError });
  t.regex(error?.message ?? '', /'byOwner' and 'byTitle' both use index 'gsi1'/);
  // Two entities may share an index (one pattern each).
  t.notThrows(() =>
    defineTable({
      name: 'shared',
      entities: {
        note: Note,
        other: defineEntity({
          name: 'other',
          schema: z.object({ id: z.string() }),
          keys: { primary: { pk: ['id'] }, byId: { index: 'gsi1', pk: ['id'], sk: [] } },
        }),
      },
    }),
  );
});

test("a table gets tablekit's internal claim entity only when some entity declares unique fields", (t) => {
  const Account = defineEntity({
    name: 'account',
    schema: z.object({ id: z.string(), email: z.string() }),
    keys: { primary: { pk: ['id'] } },
    unique: { email: true },
  });
  const withClaims = defineTable({ name: 'accounts', entities: { account: Account, tag: Tag } });
  t.deepEqual(
    withClaims.internalEntities.map((entity) => entity.name),
    ['tablekitUnique'],
  );
  t.true(withClaims.patterns.some((pattern) => pattern.entity === 'tablekitUnique' && pattern.index === 'primary'));
  t.deepEqual(Object.keys(withClaims.entities), ['account', 'tag'], 'the claim entity is not one of the table entities');
  t.deepEqual(attributeNames(withClaims.createTableInput()), ['pk', 'sk'], 'claims live in the primary index: no extra attributes');
  t.deepEqual(defineTable({ name: 'tags', entities: { tag: Tag } }).internalEntities, []);
  t.deepEqual(
    AppTable.internalEntities.map((entity) => entity.name),
    ['tablekitUnique'],
    "the AppTable's users have unique e-mails",
  );
  // The name is reserved.
  const Impostor = defineEntity({ name: 'tablekitUnique', schema: z.object({ id: z.string() }), keys: { primary: { pk: ['id'] } } });
  t.throws(() => defineTable({ name: 'bad', entities: { tablekitUnique: Impostor, account: Account } }), {
    instanceOf: SchemaDefinitionError,
    message: /reserved/,
  });
});

// ---------------------------------------------------------------------------------------------
// ensure / describe / list / delete

test('ensure() twice: created then a no-op; describe() shows keys, GSIs, stream and TTL; list() and delete()', async (t) => {
  const name = tableName('lifecycle');
  const table = AppTable.bind(connection, { tableName: name });
  t.is(await table.describe(), undefined);

  const first = await table.ensure();
  t.deepEqual(first, { tableName: name, created: true, ttlEnabled: true });
  const second = await table.ensure();
  t.deepEqual(second, { tableName: name, created: false, ttlEnabled: true });

  const summary = await table.describe();
  t.is(summary?.name, name);
  t.is(summary?.status, 'ACTIVE');
  t.is(summary?.keySchema, 'pk:HASH,sk:RANGE');
  t.deepEqual(summary?.globalSecondaryIndexes.map((gsi) => [gsi.name, gsi.keySchema]).sort(), [
    ['gsi1', 'gsi1pk:HASH,gsi1sk:RANGE'],
    ['gsi2', 'gsi2pk:HASH,gsi2sk:RANGE'],
  ]);
  t.is(summary?.stream, 'NEW_AND_OLD_IMAGES');
  t.regex(summary?.ttl ?? '', /^ttl \((ENABLED|ENABLING)\)$/);

  t.true((await table.list()).includes(name));
  t.true(await table.delete());
  t.false(await table.delete());
  t.false((await table.list()).includes(name));
  t.is(await table.describe(), undefined);
});

test('ensure() on an existing table with a different key schema fails with TableMismatchError naming the difference', async (t) => {
  const name = tableName('conflict');
  await connection.client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const error = await t.throwsAsync(AppTable.bind(connection, { tableName: name }).ensure(), { instanceOf: TableMismatchError });
  t.is(error?.tableName, name);
  t.regex(error?.message ?? '', /primary key is id:HASH, expected pk:HASH,sk:RANGE/);
  t.true(error?.differences.some((difference) => /index gsi1 is missing/.test(difference)));
  t.true(error?.message.includes(name));
  // Nothing was changed on the conflicting table.
  const live = (await connection.client.send(new DescribeTableCommand({ TableName: name }))).Table;
  t.deepEqual(live?.KeySchema, [{ AttributeName: 'id', KeyType: 'HASH' }]);
});

test('ensure() on a table with the right keys but no stream fails clearly too', async (t) => {
  const name = tableName('nostream');
  const { StreamSpecification: _stream, ...withoutStream } = AppTable.createTableInput(name);
  await connection.client.send(new CreateTableCommand(withoutStream));
  const error = await t.throwsAsync(AppTable.bind(connection, { tableName: name }).ensure(), { instanceOf: TableMismatchError });
  t.regex(error?.message ?? '', /stream is disabled, expected NEW_AND_OLD_IMAGES/);
});

test('ensure() on a table whose TTL is on another attribute fails instead of silently differing', async (t) => {
  const name = tableName('ttl');
  await connection.client.send(new CreateTableCommand(AppTable.createTableInput(name)));
  await connection.client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }));
  const error = await t.throwsAsync(AppTable.bind(connection, { tableName: name }).ensure(), { instanceOf: TableMismatchError });
  t.regex(error?.message ?? '', /TTL is on attribute expiresAt, expected ttl/);
});

test('concurrent ensure() calls on a new table all succeed and exactly one creates it (several processes starting at once)', async (t) => {
  const names = Array.from({ length: 6 }, (_, index) => tableName(`race${index}`));
  const outcomes = await Promise.all(
    names.map((name) => {
      const table = AppTable.bind(connection, { tableName: name });
      return Promise.allSettled([table.ensure(), table.ensure(), table.ensure(), table.ensure()]);
    }),
  );
  const failures = outcomes
    .flat()
    .flatMap((outcome) => (outcome.status === 'rejected' ? [`${(outcome.reason as Error).name}: ${(outcome.reason as Error).message}`] : []));
  t.deepEqual(failures, [], 'every concurrent ensure() resolves');
  const createdPerTable = outcomes.map((settled) => settled.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.created).length);
  t.deepEqual(
    createdPerTable,
    names.map(() => 1),
    'exactly one ensure() per table reports created',
  );
});

// ---------------------------------------------------------------------------------------------
// CloudFormation

/** Every property AWS::DynamoDB::Table accepts (CloudFormation resource specification). */
const cfnTableProperties = new Set([
  'AttributeDefinitions',
  'BillingMode',
  'ContributorInsightsSpecification',
  'DeletionProtectionEnabled',
  'GlobalSecondaryIndexes',
  'ImportSourceSpecification',
  'KeySchema',
  'KinesisStreamSpecification',
  'LocalSecondaryIndexes',
  'OnDemandThroughput',
  'PointInTimeRecoverySpecification',
  'ProvisionedThroughput',
  'ResourcePolicy',
  'SSESpecification',
  'StreamSpecification',
  'TableClass',
  'TableName',
  'Tags',
  'TimeToLiveSpecification',
  'WarmThroughput',
]);

type CfnTemplate = { AWSTemplateFormatVersion?: string; Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

function tableResource(t: ExecutionContext, template: CfnTemplate) {
  const tables = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::DynamoDB::Table');
  t.is(tables.length, 1);
  return tables[0]?.Properties ?? {};
}

function assertMatchesCreateTableInput(t: ExecutionContext, properties: Record<string, unknown>, name: string) {
  const input = AppTable.createTableInput(name);
  t.is(properties.TableName, name);
  t.deepEqual(properties.KeySchema, input.KeySchema);
  t.deepEqual(properties.AttributeDefinitions, input.AttributeDefinitions);
  t.deepEqual(properties.GlobalSecondaryIndexes, input.GlobalSecondaryIndexes);
  t.is(properties.BillingMode, input.BillingMode);
  // CloudFormation's StreamSpecification has only StreamViewType (no StreamEnabled flag).
  t.deepEqual(properties.StreamSpecification, { StreamViewType: input.StreamSpecification?.StreamViewType });
  t.deepEqual(properties.TimeToLiveSpecification, { AttributeName: 'ttl', Enabled: true });
  for (const key of Object.keys(properties)) t.true(cfnTableProperties.has(key), `${key} is not an AWS::DynamoDB::Table property`);
}

test('CloudFormation YAML parses and its table equals createTableInput, with TTL', (t) => {
  const yaml = AppTable.toCloudFormation({ tableName: 'cfn-yaml' });
  const template = parseYaml(yaml) as CfnTemplate;
  t.is(template.AWSTemplateFormatVersion, '2010-09-09');
  assertMatchesCreateTableInput(t, tableResource(t, template), 'cfn-yaml');
});

test('CloudFormation JSON parses, equals createTableInput, and says the same as the YAML', (t) => {
  const json = AppTable.toCloudFormation({ tableName: 'cfn-json', format: 'json' });
  const template = JSON.parse(json) as CfnTemplate;
  assertMatchesCreateTableInput(t, tableResource(t, template), 'cfn-json');
  t.deepEqual(template, parseYaml(AppTable.toCloudFormation({ tableName: 'cfn-json' })));
  t.is(tableResource(t, JSON.parse(AppTable.toCloudFormation({ format: 'json' })) as CfnTemplate).TableName, 'tablekit');
});

test('CloudFormation for a table without TTL or streams leaves them out', (t) => {
  const table = defineTable({ name: 'plain', entities: { tag: Tag }, streams: false, ttlAttribute: false });
  const properties = tableResource(t, parseYaml(table.toCloudFormation()) as CfnTemplate);
  t.false('TimeToLiveSpecification' in properties);
  t.false('StreamSpecification' in properties);
  t.false('GlobalSecondaryIndexes' in properties);
});

// ---------------------------------------------------------------------------------------------
// IAM

type Policy = { Version: string; Statement: { Effect: string; Action: string[] | string; Resource: string[] | string }[] };
const asList = (value: string[] | string) => (Array.isArray(value) ? value : [value]);

const expectedDataActions = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];

test('the IAM policy names the table ARN and its indexes, with only the needed actions', (t) => {
  const policy = JSON.parse(AppTable.toIamPolicy({ tableName: 'orders', includeStreams: false })) as Policy;
  t.is(policy.Version, '2012-10-17');
  const actions = [...new Set(policy.Statement.flatMap((s) => asList(s.Action)))].sort();
  t.deepEqual(actions, expectedDataActions);
  t.false(
    actions.some((action) => action.includes('*')),
    'no wildcard actions',
  );
  t.false(actions.includes('dynamodb:CreateTable'));
  const resources = policy.Statement.flatMap((s) => asList(s.Resource));
  t.true(resources.includes('arn:aws:dynamodb:*:*:table/orders'));
  t.true(resources.includes('arn:aws:dynamodb:*:*:table/orders/index/*'));
  t.true(
    resources.every((resource) => resource.startsWith('arn:aws:dynamodb:') && resource.includes(':table/orders')),
    'no resource outside the table',
  );
  t.true(policy.Statement.every((s) => s.Effect === 'Allow'));
  // Item actions are granted on the table only; Query/Scan also on the indexes.
  for (const statement of policy.Statement) {
    if (asList(statement.Resource).some((r) => r.endsWith('/index/*')))
      t.true(asList(statement.Action).every((a) => a === 'dynamodb:Query' || a === 'dynamodb:Scan'));
  }
});

test('the IAM policy adds CreateTable/UpdateTimeToLive only with includeManagement, and honours region/account', (t) => {
  const policy = JSON.parse(AppTable.toIamPolicy({ tableName: 'orders', includeManagement: true, region: 'eu-west-1', accountId: '123456789012' })) as Policy;
  const actions = new Set(policy.Statement.flatMap((s) => asList(s.Action)));
  for (const action of ['dynamodb:CreateTable', 'dynamodb:UpdateTimeToLive', 'dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive'])
    t.true(actions.has(action), action);
  t.false(actions.has('dynamodb:DeleteTable'));
  t.false([...actions].some((action) => action.includes('*')));
  const resources = policy.Statement.flatMap((s) => asList(s.Resource));
  t.true(resources.includes('arn:aws:dynamodb:eu-west-1:123456789012:table/orders'));
  t.true(resources.includes('arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/*'));
  t.is(JSON.parse(AppTable.toIamPolicy()).Statement[0].Resource[0], 'arn:aws:dynamodb:*:*:table/tablekit');
});

test('the IAM policy lets the stream reader find and read the table stream, and nothing else', (t) => {
  const policy = JSON.parse(AppTable.toIamPolicy({ tableName: 'orders' })) as Policy;
  const streamStatement = policy.Statement.find((s) => asList(s.Resource).some((r) => r.endsWith('/stream/*')));
  t.deepEqual(asList(streamStatement?.Action ?? []).sort(), ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']);
  t.deepEqual(asList(streamStatement?.Resource ?? []), ['arn:aws:dynamodb:*:*:table/orders/stream/*']);
  const describe = policy.Statement.find((s) => asList(s.Action).includes('dynamodb:DescribeTable'));
  t.deepEqual(asList(describe?.Resource ?? []), ['arn:aws:dynamodb:*:*:table/orders']);
});
