/**
 * `tablekit demo --module` on a user's table whose entities declare no `example`: the tour writes
 * samples generated from the zod schemas, finds each through every access pattern, and cleans up.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import test from 'ava';
import { connect } from '../../src/index.ts';
import { uniqueTableName } from '../support/db.ts';
import { runCaptured } from '../support/process.ts';
import { TaskTable } from '../studio/fixture-table.ts';

const root = new URL('../..', import.meta.url).pathname;
const tablekit = (args: string[]) =>
  runCaptured(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });

test('demo --module tours a table without examples: every entity written, every pattern finds its sample', async (t) => {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const tableName = uniqueTableName('demo-samples');
  const connection = await connect({ endpoint });
  t.teardown(async () => {
    await TaskTable.bind(connection, { tableName }).delete();
    await connection.close();
  });
  const result = await tablekit(['demo', '--module', 'test/studio/fixture-table.ts', '--table-name', tableName]);
  t.is(result.code, 0, `${result.stdout}\n${result.stderr}`);
  for (const entity of ['board', 'task']) t.regex(result.stdout, new RegExp(`^\\s+create ${entity}\\s+version 1`, 'm'), entity);
  for (const pattern of TaskTable.patterns)
    t.regex(result.stdout, new RegExp(`^\\s+${pattern.entity}\\.${pattern.pattern} \\(\\w+\\)\\s+1 item\\(s\\)`, 'm'), pattern.pattern);
  const left = await connection.doc.send(new ScanCommand({ TableName: tableName, Select: 'COUNT', ConsistentRead: true }));
  t.is(left.Count, 0, 'the tour leaves nothing behind');
});

test('demo --module on a schema no sample can satisfy names the field and asks for an example, before writing anything', async (t) => {
  const dir = join(root, 'test', `.tmp-demo-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const modulePath = join(dir, 'coded.ts');
  writeFileSync(
    modulePath,
    `import { z } from 'zod';
import { defineEntity, defineTable } from '../../src/index.ts';
const Coded = defineEntity({ name: 'coded', schema: z.object({ code: z.string().regex(/^[A-Z]{2}\\d{4}$/) }), keys: { primary: { pk: ['code'], sk: [] } } });
export const CodedTable = defineTable({ name: 'coded', entities: { coded: Coded } });
`,
  );
  const tableName = uniqueTableName('demo-coded');
  const result = await tablekit(['demo', '--module', modulePath, '--table-name', tableName]);
  t.is(result.code, 1, result.stdout);
  t.regex(result.stderr, /entity 'coded' has no example and no valid sample could be generated \(code: .*\): declare an `example`/);
  t.notRegex(result.stdout, /ensure table|create coded/);
  const connection = await connect();
  t.teardown(() => connection.close());
  t.false((await TaskTable.bind(connection).list()).includes(tableName), 'no table was created');
});
