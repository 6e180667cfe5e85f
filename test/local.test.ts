/**
 * startLocalDynamo: the embedded DynamoDB Local lifecycle. JVM-starting tests are serial and few
 * (three JVM starts in this file): start/stop, and a child process killed by SIGKILL / SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { isAlive } from './support/process.ts';
import test from 'ava';
import { LocalDynamoError, parseJavaMajor, startLocalDynamo } from '../src/local/index.ts';

const root = new URL('..', import.meta.url).pathname;

/** True while the process exists and is not a zombie (a zombie has already died). */

/** Polls until the process is gone; false if it is still there after `seconds`. */
async function goneWithin(pid: number, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

/** Rejects instead of hanging forever (the guard is generous; this is not a timing assertion). */
function noHang<T>(promise: Promise<T>, what: string, seconds = 60): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${seconds} s (hang)`)), seconds * 1000);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

async function listTables(endpoint: string): Promise<string[] | undefined> {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames;
  } finally {
    client.destroy();
  }
}

function listen(port = 0, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

test('parseJavaMajor reads modern, legacy (1.x) and short version strings', (t) => {
  t.is(parseJavaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6)'), 17);
  t.is(parseJavaMajor('java version "1.8.0_292"\nJava(TM) SE Runtime Environment'), 8);
  t.is(parseJavaMajor('openjdk version "21" 2023-09-19'), 21);
  t.is(parseJavaMajor('openjdk version "11.0.2" 2019-01-15'), 11);
  t.is(parseJavaMajor('openjdk 21.0.2 2024-01-16'), 21);
  t.is(parseJavaMajor('no java here'), undefined);
});

test('a missing java gives one clear error naming apt-get install and DYNAMODB_ENDPOINT', async (t) => {
  const error = await t.throwsAsync(noHang(startLocalDynamo({ javaCommand: '/nonexistent/java' }), 'startLocalDynamo'), { instanceOf: LocalDynamoError });
  t.regex(error?.message ?? '', /apt-get install/);
  t.regex(error?.message ?? '', /DYNAMODB_ENDPOINT/);
  t.regex(error?.message ?? '', /\/nonexistent\/java/);
});

for (const host of ['127.0.0.1', '0.0.0.0']) {
  test(`a port already in use (listening on ${host}) is a clear error, not a hang`, async (t) => {
    const server = await listen(0, host);
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    const error = await t.throwsAsync(noHang(startLocalDynamo({ port }), 'startLocalDynamo on a busy port'), { instanceOf: LocalDynamoError });
    t.regex(error?.message ?? '', new RegExp(`\\b${port}\\b`));
    t.regex(error?.message ?? '', /in use/);
  });
}

test.serial('starts on a free port, answers ListTables, and stop() ends java (idempotent)', async (t) => {
  const local = await startLocalDynamo();
  t.teardown(() => local.stop());
  t.true(local.port > 0);
  t.is(local.endpoint, `http://127.0.0.1:${local.port}`);
  t.true(local.pid > 0);
  t.true(isAlive(local.pid));
  t.true(Array.isArray(await listTables(local.endpoint)));

  await local.stop();
  t.throws(() => process.kill(local.pid, 0), undefined, 'the java process is gone after stop()');
  t.truthy(await noHang(local.exited, 'exited after stop()'), 'exited resolves once java has ended');
  await t.notThrowsAsync(Promise.all([local.stop(), local.stop()]), 'stop() is idempotent');
  await t.throwsAsync(listTables(local.endpoint), undefined, 'nothing answers on the port any more');
});

/** Starts test/fixtures/local-child.ts in a child node process and waits for the java pid it prints. */
async function childWithLocal(): Promise<{ child: ChildProcess; pid: number; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/local-child.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await noHang(
    new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const newline = stdout.indexOf('\n');
        if (newline !== -1) resolve(stdout.slice(0, newline));
      });
      child.once('exit', (code) => reject(new Error(`child exited (${code}) before starting DynamoDB Local: ${stderr}`)));
    }),
    'the child starting DynamoDB Local',
  );
  const { pid, port } = JSON.parse(line) as { pid: number; port: number };
  return { child, pid, port };
}

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.signalCode ?? child.exitCode)
    : new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));

test.serial('`tablekit local` exits non-zero and says so when its java dies', async (t) => {
  const server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  await new Promise((resolve) => server.close(resolve));
  const cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'local', '--port', String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  cli.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  t.teardown(() => {
    if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
  });
  const pid = await noHang(
    new Promise<number>((resolve, reject) => {
      let stdout = '';
      cli.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /pid (\d+)/.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      cli.once('exit', (code) => reject(new Error(`tablekit local exited (${code}) before starting: ${stderr}`)));
    }),
    'tablekit local starting',
  );
  process.kill(pid, 'SIGKILL');
  t.is(await noHang(exitOf(cli), 'tablekit local after its java died', 30), 1);
  t.regex(stderr, /DynamoDB Local stopped/);
});

test.serial('a hard kill (SIGKILL) of the parent leaves no java behind', async (t) => {
  const { child, pid } = await childWithLocal();
  t.teardown(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  t.true(isAlive(pid), 'java runs while its parent lives');
  child.kill('SIGKILL');
  t.is(await exitOf(child), 'SIGKILL');
  t.true(await goneWithin(pid, 10), `java pid ${pid} survived the SIGKILL of its parent`);
});

test.serial('SIGTERM of the parent stops java and the parent still exits', async (t) => {
  const { child, pid, port } = await childWithLocal();
  t.teardown(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  t.true(Array.isArray(await listTables(`http://127.0.0.1:${port}`)));
  child.kill('SIGTERM');
  t.is(await noHang(exitOf(child), 'the child after SIGTERM', 30), 'SIGTERM', 'the default SIGTERM behaviour (exit) is kept');
  t.true(await goneWithin(pid, 10), `java pid ${pid} survived the SIGTERM of its parent`);
});
