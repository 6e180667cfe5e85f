/**
 * `npm start`: the demo boots its own embedded DynamoDB Local (no DYNAMODB_ENDPOINT), exercises
 * every entity and access pattern, exits 0 and leaves no java process behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import test from 'ava';
import { connect } from '../src/index.ts';
import { AppTable } from '../entities/index.ts';
import { uniqueTableName } from './support/db.ts';

const root = new URL('..', import.meta.url).pathname;

function runDemo(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Command lines of running java processes (zombies have an empty command line and are skipped). */
function javaCommandLines(): string[] {
  const result = spawnSync('pgrep', ['-af', 'java'], { encoding: 'utf8' });
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}

test('the demo runs on an embedded DynamoDB Local, covers every entity and the account collection, exits 0 and stops java', async (t) => {
  const { DYNAMODB_ENDPOINT: _endpoint, AWS_REGION: _region, AWS_DEFAULT_REGION: _defaultRegion, ...env } = process.env;
  const result = await runDemo({ ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const output = `${result.stdout}\n${result.stderr}`;
  t.is(result.code, 0, output);

  t.regex(result.stdout, /connected \(embedded\)/);
  for (const entity of ['user', 'emailClaim', 'videoProgress', 'change', 'sequence']) t.regex(result.stdout, new RegExp(`\\b${entity}\\b`), entity);
  t.regex(result.stdout, /account/);
  t.regex(result.stdout, /RepositoryError\(validation\)/, 'the demo shows an invalid write being rejected');
  t.notRegex(result.stdout, /MISSING/);
  t.regex(result.stdout, /embedded DynamoDB Local stopped/);

  const endpoint = /on (http:\/\/127\.0\.0\.1:(\d+)) \(embedded\)/.exec(result.stdout);
  const port = endpoint?.[2];
  if (!port) return t.fail(`the demo did not print its endpoint:\n${result.stdout}`);
  t.log(`demo used ${endpoint[1]}`);
  const leftovers = javaCommandLines().filter((line) => new RegExp(`-port ${port}\\b`).test(line));
  t.deepEqual(leftovers, [], `java still running for port ${port}`);
});

test('demo --table-name runs every step on that table (here on DYNAMODB_ENDPOINT, no embedded java)', async (t) => {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const name = uniqueTableName('demo');
  const connection = await connect({ endpoint });
  t.teardown(async () => {
    await AppTable.bind(connection, { tableName: name }).delete();
    await connection.close();
  });
  // --module (the bundled table itself) skips the repository tour, keeping this run short.
  const result = await runDemo({ ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, ['--table-name', name, '--module', 'entities/index.ts', '--export', 'AppTable']);
  t.is(result.code, 0, `${result.stdout}\n${result.stderr}`);
  t.regex(result.stdout, /connected \(environment\)/);
  const tables = [...result.stdout.matchAll(/^Table '([^']+)'/gm)].map((match) => match[1]);
  t.deepEqual(tables, [name], `the demo printed the tables ${JSON.stringify(tables)}`);
  t.is((await AppTable.bind(connection, { tableName: name }).describe())?.name, name, 'the demo ensured the named table');
});
