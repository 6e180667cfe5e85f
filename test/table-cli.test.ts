/**
 * The AWS CLI export of a table: run unmodified (through the aws CLI when installed, else through
 * the SDK equivalent), it creates a table identical to the one ensure() creates.
 */
import { spawnSync } from 'node:child_process';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type TableDescription,
  type UpdateTimeToLiveCommandInput,
} from '@aws-sdk/client-dynamodb';
import test, { type ExecutionContext } from 'ava';
import { connect, type Connection } from '../src/index.ts';
import { compareTable } from '../src/table/index.ts';
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
  const existing = new Set(await AppTable.bind(connection).list());
  await Promise.all(created.filter((name) => existing.has(name)).map((name) => AppTable.bind(connection, { tableName: name }).delete()));
  await connection.close();
});

// ---------------------------------------------------------------------------------------------
// AWS CLI export

/** Splits shell text into commands of words: single quotes ('\'' escapes too), double quotes, backslash-newline. */
function shellCommands(text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) throw new Error('unterminated single quote');
      word += text.slice(i + 1, close);
      inWord = true;
      i = close;
    } else if (char === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j += 1) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1] as string)) j += 1;
        word += text[j];
      }
      if (j >= text.length) throw new Error('unterminated double quote');
      inWord = true;
      i = j;
    } else if (char === '\\') {
      const next = text[i + 1];
      if (next === '\n')
        i += 1; // line continuation
      else if (next !== undefined) {
        word += next;
        inWord = true;
        i += 1;
      }
    } else if (char === '\n' || char === ';') endCommand();
    else if (char === ' ' || char === '\t') endWord();
    else {
      word += char;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

const pascal = (flag: string) =>
  flag
    .replace(/^--/, '')
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** `aws dynamodb <op> --flag value ...` -> operation, input fields (PascalCase, JSON values parsed) and connection flags. */
function parseAwsCommand(words: string[]) {
  const [aws, service, ...rest] = words;
  if (aws !== 'aws' || service !== 'dynamodb') throw new Error(`not an aws dynamodb command: ${words.join(' ')}`);
  const operation: string[] = [];
  while (rest[0] !== undefined && !rest[0].startsWith('--')) operation.push(rest.shift() as string);
  const input: Record<string, unknown> = {};
  let endpointUrl: string | undefined;
  let region: string | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] as string;
    const value = rest[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new Error(`unexpected argument ${flag}`);
    if (flag === '--endpoint-url') endpointUrl = value;
    else if (flag === '--region') region = value;
    else input[pascal(flag)] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return { operation: operation.join(' '), input, endpointUrl, region };
}

/** Executes the exported AWS CLI text through the SDK (for machines without the aws CLI). */
async function runWithSdk(text: string): Promise<string[]> {
  const ran: string[] = [];
  for (const words of shellCommands(text)) {
    const { operation, input, endpointUrl, region } = parseAwsCommand(words);
    const client = new DynamoDBClient({
      region: region ?? 'local',
      ...(endpointUrl ? { endpoint: endpointUrl } : {}),
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      if (operation === 'create-table') await client.send(new CreateTableCommand(input as unknown as CreateTableCommandInput));
      else if (operation === 'wait table-exists')
        await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: String(input.TableName) });
      else if (operation === 'update-time-to-live') await client.send(new UpdateTimeToLiveCommand(input as unknown as UpdateTimeToLiveCommandInput));
      else throw new Error(`unsupported operation ${operation}`);
      ran.push(operation);
    } finally {
      client.destroy();
    }
  }
  return ran;
}

const awsCliAvailable = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;

/** The live table reduced to what defines it (order-independent). */
function layout(table: TableDescription | undefined) {
  const keys = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) => (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  return {
    keySchema: keys(table?.KeySchema),
    attributes: (table?.AttributeDefinitions ?? []).map((a) => `${a.AttributeName}:${a.AttributeType}`).sort(),
    gsis: (table?.GlobalSecondaryIndexes ?? []).map((gsi) => `${gsi.IndexName}=${keys(gsi.KeySchema)}/${gsi.Projection?.ProjectionType}`).sort(),
    billing: table?.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
    stream: table?.StreamSpecification?.StreamEnabled ? table.StreamSpecification.StreamViewType : 'disabled',
  };
}

async function assertIdenticalToEnsured(t: ExecutionContext, name: string) {
  const reference = tableName('reference');
  await AppTable.bind(connection, { tableName: reference }).ensure();
  const live = (await connection.client.send(new DescribeTableCommand({ TableName: name }))).Table;
  const ensured = (await connection.client.send(new DescribeTableCommand({ TableName: reference }))).Table;
  t.truthy(live);
  t.deepEqual(compareTable(AppTable, live as TableDescription, name), []);
  t.deepEqual(layout(live), layout(ensured));
  t.is(layout(live).billing, 'PAY_PER_REQUEST');
  const ttl = (await connection.client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
  t.regex(ttl?.TimeToLiveStatus ?? '', /^(ENABLED|ENABLING)$/);
  t.is(ttl?.AttributeName, 'ttl');
  // ensure() accepts the exported table as its own.
  t.deepEqual(await AppTable.bind(connection, { tableName: name }).ensure(), { tableName: name, created: false, ttlEnabled: true });
}

test(`the AWS CLI export, run unmodified, creates a table identical to ensure() (${awsCliAvailable ? 'via the aws CLI' : 'via the SDK equivalent: aws CLI absent'})`, async (t) => {
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? connection.endpoint;
  if (!endpoint) return t.fail('no DYNAMODB_ENDPOINT');
  const name = tableName('awscli');
  const script = AppTable.toAwsCli({ tableName: name, endpointUrl: endpoint, region: 'local' });
  if (awsCliAvailable) {
    t.log('ran the export with the aws CLI (bash)');
    const { AWS_PROFILE: _profile, ...env } = process.env;
    const result = spawnSync('bash', ['-e'], {
      input: script,
      encoding: 'utf8',
      env: {
        ...env,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_PAGER: '',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
      timeout: 120_000,
    });
    t.is(result.status, 0, `aws CLI failed: ${result.stderr}`);
  } else {
    t.log('aws CLI absent: ran the export through the SDK equivalent');
    t.deepEqual(await runWithSdk(script), ['create-table', 'wait table-exists', 'update-time-to-live']);
  }
  await assertIdenticalToEnsured(t, name);
});

test('the AWS CLI export also works through the SDK equivalent (tokenizer and flag mapping)', async (t) => {
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? connection.endpoint;
  if (!endpoint) return t.fail('no DYNAMODB_ENDPOINT');
  const name = tableName('awssdk');
  const script = AppTable.toAwsCli({ tableName: name, endpointUrl: endpoint, region: 'local' });
  t.deepEqual(await runWithSdk(script), ['create-table', 'wait table-exists', 'update-time-to-live']);
  await assertIdenticalToEnsured(t, name);
});

test('the shell tokenizer handles quotes, escaped quotes and continuations', (t) => {
  t.deepEqual(shellCommands(`aws dynamodb x \\\n  --a 'it'\\''s' --b "q\\"d" --c plain\naws dynamodb y`), [
    ['aws', 'dynamodb', 'x', '--a', "it's", '--b', 'q"d', '--c', 'plain'],
    ['aws', 'dynamodb', 'y'],
  ]);
  t.deepEqual(parseAwsCommand(['aws', 'dynamodb', 'create-table', '--table-name', 't', '--key-schema', '[{"a":1}]']).input, {
    TableName: 't',
    KeySchema: [{ a: 1 }],
  });
});
