/**
 * The tablekit CLI as a subprocess (`node --import tsx src/cli/main.ts ...`), against the run's
 * DynamoDB Local (DYNAMODB_ENDPOINT).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCaptured } from './support/process.ts';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import test from 'ava';
import { parse as parseYaml } from 'yaml';
import { connect } from '../src/index.ts';
import { AppTable } from '../entities/index.ts';
import { uniqueTableName } from './support/db.ts';

const root = new URL('..', import.meta.url).pathname;
/** The bundled application's table module: every table command names its module. */
const APP = ['--module', 'entities/table.ts'];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tablekit(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return runCaptured(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
}

const describeRun = (result: Result) => `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;

/** The error lines of stderr, without commander's "(run with --help for usage)" hint. */
const errorLines = (stderr: string) =>
  stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^\(run with --help/.test(line));

/** A scratch directory inside the repo (so that `zod` and `../../src` resolve) removed after the test. */
function scratchDir(t: { teardown(fn: () => void): void }): string {
  const dir = join(root, 'test', `.tmp-cli-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--help lists the demo, local, table, export and docs commands', async (t) => {
  const result = await tablekit(['--help']);
  t.is(result.code, 0, describeRun(result));
  for (const command of ['demo', 'local', 'table', 'export', 'docs']) t.regex(result.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), command);
  const exportHelp = await tablekit(['export', '--help']);
  t.is(exportHelp.code, 0);
  for (const command of ['cloudformation', 'aws-cli', 'iam']) t.true(exportHelp.stdout.includes(command), command);
});

test('export cloudformation --format json is valid JSON with the table resource; the default YAML parses too', async (t) => {
  const [json, yaml] = await Promise.all([
    tablekit(['export', 'cloudformation', ...APP, '--format', 'json']),
    tablekit(['export', 'cloudformation', ...APP, '--table-name', 'cfn-cli']),
  ]);
  t.is(json.code, 0, describeRun(json));
  const template = JSON.parse(json.stdout) as { Resources: Record<string, { Type: string; Properties: { TableName: string } }> };
  const table = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::DynamoDB::Table');
  t.is(table?.Properties.TableName, 'tablekit');
  t.is(yaml.code, 0, describeRun(yaml));
  const fromYaml = parseYaml(yaml.stdout) as typeof template;
  t.is(Object.values(fromYaml.Resources)[0]?.Properties.TableName, 'cfn-cli');
});

test('export iam --table-name x names table/x and table/x/index/*', async (t) => {
  const result = await tablekit(['export', 'iam', ...APP, '--table-name', 'x']);
  t.is(result.code, 0, describeRun(result));
  const statements = (JSON.parse(result.stdout) as { Statement: { Action: string[]; Resource: string[] }[] }).Statement;
  const resources = statements.flatMap((s) => s.Resource);
  t.true(resources.some((resource) => resource.endsWith(':table/x')));
  t.true(resources.some((resource) => resource.endsWith(':table/x/index/*')));
  const actions = statements.flatMap((s) => s.Action);
  t.true(actions.includes('dynamodb:GetItem'));
  t.false(
    actions.some((action) => action.includes('*')),
    'no wildcard actions',
  );
  t.false(actions.includes('dynamodb:CreateTable'), 'no management actions without --management');
});

test('export aws-cli prints create-table, wait and update-time-to-live for the given table', async (t) => {
  const result = await tablekit(['export', 'aws-cli', ...APP, '--table-name', 'cli-x', '--region', 'local']);
  t.is(result.code, 0, describeRun(result));
  t.regex(result.stdout, /^aws dynamodb create-table \\\n\s+--table-name cli-x/m);
  t.regex(result.stdout, /^aws dynamodb wait table-exists --table-name cli-x/m);
  t.regex(result.stdout, /^aws dynamodb update-time-to-live --table-name cli-x/m);
});

test('an unknown command exits non-zero with a one-line error', async (t) => {
  const result = await tablekit(['bogus']);
  t.not(result.code, 0);
  const lines = errorLines(result.stderr);
  t.is(lines.length, 1, result.stderr);
  t.regex(lines[0] ?? '', /unknown command 'bogus'/);
});

test('export cloudformation --format bogus exits non-zero with a one-line error', async (t) => {
  const result = await tablekit(['export', 'cloudformation', ...APP, '--format', 'bogus']);
  t.not(result.code, 0);
  t.is(result.stdout, '', 'no template is printed');
  const lines = errorLines(result.stderr);
  t.is(lines.length, 1, result.stderr);
  t.regex(lines[0] ?? '', /bogus/);
  t.regex(lines[0] ?? '', /yaml, json/);
});

test('local --port on a busy port and an unreachable --endpoint are one-line errors', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  const [busy, unreachable, badPort] = await Promise.all([
    tablekit(['local', '--port', String(port)]),
    tablekit(['table', 'list', '--endpoint', 'http://127.0.0.1:1']),
    tablekit(['local', '--port', 'abc']),
  ]);
  for (const [label, result, pattern] of [
    ['busy port', busy, new RegExp(`${port}.*in use`)],
    ['unreachable endpoint', unreachable, /ECONNREFUSED|cannot reach/],
    ['bad port', badPort, /port/],
  ] as const) {
    t.not(result.code, 0, label);
    const lines = errorLines(result.stderr);
    t.is(lines.length, 1, `${label}: ${result.stderr}`);
    t.regex(lines[0] ?? '', pattern, label);
  }
});

test('table ensure, describe and delete work against DYNAMODB_ENDPOINT', async (t) => {
  if (!process.env.DYNAMODB_ENDPOINT) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const name = uniqueTableName('cli');
  t.teardown(async () => {
    await tablekit(['table', 'delete', ...APP, '--table-name', name]);
  });

  const ensure = await tablekit(['table', 'ensure', ...APP, '--table-name', name]);
  t.is(ensure.code, 0, describeRun(ensure));
  t.deepEqual(JSON.parse(ensure.stdout), { tableName: name, created: true, ttlEnabled: true });
  t.false(ensure.stderr.includes('embedded'), 'the CLI used DYNAMODB_ENDPOINT, not an embedded instance');

  const describe = await tablekit(['table', 'describe', ...APP, '--table-name', name]);
  t.is(describe.code, 0, describeRun(describe));
  const summary = JSON.parse(describe.stdout) as { name: string; keySchema: string; globalSecondaryIndexes: { name: string }[]; stream: string; ttl: string };
  t.is(summary.name, name);
  t.is(summary.keySchema, 'pk:HASH,sk:RANGE');
  t.deepEqual(summary.globalSecondaryIndexes.map((gsi) => gsi.name).sort(), ['gsi1', 'gsi2']);
  t.is(summary.stream, 'NEW_AND_OLD_IMAGES');
  t.regex(summary.ttl, /^ttl /);

  const list = await tablekit(['table', 'list']);
  t.is(list.code, 0, describeRun(list));
  t.true(list.stdout.split('\n').includes(name));

  const remove = await tablekit(['table', 'delete', ...APP, '--table-name', name]);
  t.is(remove.code, 0, describeRun(remove));
  t.regex(remove.stdout, new RegExp(`deleted ${name}`));

  const missing = await tablekit(['table', 'describe', ...APP, '--table-name', name]);
  t.not(missing.code, 0);
  const lines = errorLines(missing.stderr);
  t.is(lines.length, 1, missing.stderr);
  t.regex(lines[0] ?? '', /does not exist/);
});

test('docs --check on a stale file exits 1 and says stale', async (t) => {
  const dir = scratchDir(t);
  const out = join(dir, 'access-patterns.md');
  writeFileSync(out, '# Access patterns\n\nsomething old\n');
  const result = await tablekit(['docs', ...APP, '--check', '--out', out]);
  t.is(result.code, 1, describeRun(result));
  t.regex(result.stderr, /stale/);
  t.is(readFileSync(out, 'utf8'), '# Access patterns\n\nsomething old\n', '--check never writes');
});

test('docs --out writes the document and docs --check then passes', async (t) => {
  const dir = scratchDir(t);
  const out = join(dir, 'docs', 'access-patterns.md');
  const write = await tablekit(['docs', ...APP, '--out', out]);
  t.is(write.code, 0, describeRun(write));
  const content = readFileSync(out, 'utf8');
  for (const entity of ['user', 'videoProgress', 'change', 'changeHead', 'sequence', 'tablekitUnique']) t.true(content.includes(`### ${entity}`), entity);
  const check = await tablekit(['docs', ...APP, '--check', '--out', out]);
  t.is(check.code, 0, describeRun(check));
  t.regex(check.stdout, /up to date/);
});

const moduleSource = (sortKey: string) => `import { z } from 'zod';
import { defineEntity, defineTable } from '../../src/index.ts';

export const Widget = defineEntity({
  name: 'widget',
  description: 'A widget in a shop.',
  schema: z.object({ shopId: z.string(), widgetId: z.string(), colour: z.string(), weight: z.int().min(0) }),
  keys: {
    primary: { pk: ['shopId'], sk: ['widgetId'], description: 'Widgets of a shop' },
    byColour: { index: 'gsi1', pk: ['colour'], sk: ['${sortKey}'], description: 'Widgets of a colour' },
  },
  example: { shopId: 'shop-1', widgetId: 'w-1', colour: 'red', weight: 12 },
});

export const ShopTable = defineTable({ name: 'shop', entities: { widget: Widget } });
`;

test("docs --check fails after a user module's key template changes without regenerating", async (t) => {
  const dir = scratchDir(t);
  const modulePath = join(dir, 'shop-table.ts');
  const out = join(dir, 'shop-access-patterns.md');
  writeFileSync(modulePath, moduleSource('widgetId'));

  const generate = await tablekit(['docs', '--module', modulePath, '--export', 'ShopTable', '--out', out]);
  t.is(generate.code, 0, describeRun(generate));
  const doc = readFileSync(out, 'utf8');
  t.true(doc.includes('table `shop`'));
  t.true(doc.includes('byColour'));
  t.false(doc.includes('### user'), 'the bundled entities are not documented for a user module');

  const fresh = await tablekit(['docs', '--check', '--module', modulePath, '--export', 'ShopTable', '--out', out]);
  t.is(fresh.code, 0, describeRun(fresh));

  writeFileSync(modulePath, moduleSource('weight'));
  const stale = await tablekit(['docs', '--check', '--module', modulePath, '--export', 'ShopTable', '--out', out]);
  t.is(stale.code, 1, describeRun(stale));
  t.regex(stale.stderr, /stale/);
});

test('--module with a wrong --export name fails with one readable error listing what was found', async (t) => {
  const dir = scratchDir(t);
  const modulePath = join(dir, 'shop-table.ts');
  writeFileSync(modulePath, moduleSource('widgetId'));
  const result = await tablekit(['export', 'cloudformation', '--module', modulePath, '--export', 'Nope']);
  t.is(result.code, 1, describeRun(result));
  const lines = errorLines(result.stderr);
  t.is(lines.length, 1, result.stderr);
  t.regex(lines[0] ?? '', /Nope/);
  t.regex(lines[0] ?? '', /ShopTable/);
});

/** The environment without any DynamoDB configured: a command that connected would start an embedded DynamoDB Local. */
function unconfigured(): NodeJS.ProcessEnv {
  const { DYNAMODB_ENDPOINT: _endpoint, AWS_REGION: _region, AWS_DEFAULT_REGION: _defaultRegion, ...env } = process.env;
  return env;
}

const tableCommands = [
  ['demo'],
  ['docs'],
  ['docs', '--check'],
  ['table', 'ensure'],
  ['table', 'describe'],
  ['table', 'delete'],
  ['export', 'cloudformation'],
  ['export', 'aws-cli'],
  ['export', 'iam'],
] as const;

test('every table command without --module exits 1 with one line asking for it, before connecting to anything', async (t) => {
  const results = await Promise.all(tableCommands.map((command) => tablekit([...command], unconfigured())));
  results.forEach((result, index) => {
    const label = tableCommands[index]?.join(' ') ?? '';
    t.is(result.code, 1, `${label}: ${describeRun(result)}`);
    t.is(result.stdout, '', `${label} prints nothing on stdout`);
    const lines = errorLines(result.stderr);
    // An embedded DynamoDB Local would add its own note line (and a java process).
    t.is(lines.length, 1, `${label}: ${result.stderr}`);
    t.regex(lines[0] ?? '', /^tablekit: which table\? pass --module <file>/, label);
  });
});

test('a --module that exports no table definition is one readable error for every table command', async (t) => {
  const dir = scratchDir(t);
  const modulePath = join(dir, 'not-a-table.ts');
  writeFileSync(modulePath, "export const answer = 42;\nexport const name = 'shop';\n");
  const results = await Promise.all(tableCommands.map((command) => tablekit([...command, '--module', modulePath], unconfigured())));
  results.forEach((result, index) => {
    const label = tableCommands[index]?.join(' ') ?? '';
    t.is(result.code, 1, `${label}: ${describeRun(result)}`);
    const lines = errorLines(result.stderr);
    t.is(lines.length, 1, `${label}: ${result.stderr}`);
    t.regex(lines[0] ?? '', /not-a-table\.ts exports no table definition \(defineTable\(\.\.\.\)\)/, label);
  });
});

test('demo --module entities/table.ts tours the bundled table on DYNAMODB_ENDPOINT and leaves nothing behind', async (t) => {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const name = uniqueTableName('cli-demo');
  const connection = await connect({ endpoint });
  const bound = AppTable.bind(connection, { tableName: name });
  t.teardown(async () => {
    await bound.delete();
    await connection.close();
  });
  const result = await tablekit(['demo', ...APP, '--table-name', name]);
  t.is(result.code, 0, describeRun(result));
  t.regex(result.stdout, /connected \(environment\)/);
  t.deepEqual(
    [...result.stdout.matchAll(/^Table '([^']+)'/gm)].map((match) => match[1]),
    [name],
  );
  const entities = Object.keys(AppTable.entities);
  for (const entity of entities) {
    t.regex(result.stdout, new RegExp(`^\\s+create ${entity}\\s`, 'm'), `create ${entity}`);
    t.regex(result.stdout, new RegExp(`^\\s+get ${entity}\\s+found`, 'm'), `get ${entity}`);
  }
  for (const pattern of AppTable.patterns.filter((p) => entities.includes(p.entity))) {
    t.regex(
      result.stdout,
      new RegExp(`^\\s+${pattern.entity}\\.${pattern.pattern} \\([\\w]+\\)\\s+[1-9]\\d* item\\(s\\)`, 'm'),
      `${pattern.entity}.${pattern.pattern}`,
    );
  }
  t.regex(result.stdout, /RepositoryError\(validation\)/, 'an invalid write is refused');
  t.regex(result.stdout, /connection closed\.$/m);
  // Every item the tour wrote (unique claims included) was deleted again.
  const left = await connection.doc.send(new ScanCommand({ TableName: name, Select: 'COUNT', ConsistentRead: true }));
  t.is(left.Count, 0);
});
