/**
 * One benchmark scenario in a process of its own (started by bench/run.ts): JIT state, heap and
 * sockets of one scenario never carry over to the next. Prints `BENCH_RESULT <json>` at the end.
 *
 *   tsx bench/scenario.ts <name>     DYNAMODB_ENDPOINT and BENCH_QUICK come from the environment
 */
import { connect, type Connection } from 'tablekit';
import { bigAppends, changeLogBench, paging } from './change-log.ts';
import { fakeDynamoSettings } from './fake-dynamo.ts';
import { httpBench, sseBench } from './http.ts';
import { referenceClient } from './contenders.ts';
import { interleaved } from './interleaved.ts';
import { mixedRounds } from './mixed.ts';
import { measureParams } from './params.ts';
import { requestTable } from './request-table.ts';
import { bulkRounds } from './save-all.ts';
import { streamsBench } from './streams.ts';
import { UserTable } from './tables.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const quick = process.env.BENCH_QUICK === '1';

/** Runs `run` on a connection to the DynamoDB Local the parent started (DYNAMODB_ENDPOINT). */
const onLocal =
  <T>(run: (connection: Connection) => Promise<T>) =>
  async (): Promise<T> => {
    if (!process.env.DYNAMODB_ENDPOINT) throw new Error('DYNAMODB_ENDPOINT is not set (run the scenarios through bench/run.ts)');
    const connection = await connect();
    try {
      return await run(connection);
    } finally {
      await connection.close();
    }
  };

export const scenarios = {
  /** A: building requests. */
  params: () => measureParams(quick ? 2 : 5, quick ? 2000 : 10_000),
  /** D: the whole client path over a stub request handler. */
  client: async () => {
    // Through connect(), as an application connects to its endpoint: tablekit creates the client, over the stub handler.
    const { endpoint, region, credentials, requestHandler } = fakeDynamoSettings();
    const fake = await connect({ endpoint, region, credentials, clientConfig: { requestHandler } });
    // The reference: tablekit's client settings (its quiet logger) plus the SDK's cacheMiddleware.
    const reference = referenceClient({ ...fakeDynamoSettings(), logger: fake.client.config.logger });
    try {
      // Turns of 50 operations: each library's path runs warm, as in an application that uses one.
      return await interleaved(fake, 'bench', quick ? 2 : 5, quick ? 300 : 1500, { strict: false, block: 50, reference });
    } finally {
      reference.destroy();
      await fake.close();
    }
  },
  /** B: sequential end-to-end. */
  e2e: onLocal(async (connection) => {
    const table = UserTable.bind(connection, { tableName: `bench-e2e-${Date.now()}` });
    await table.ensure();
    // The reference: tablekit's client settings (attempts, timeouts, quiet logger) plus the SDK's cacheMiddleware.
    const reference = referenceClient({
      endpoint: connection.endpoint,
      region: connection.region,
      credentials: await connection.client.config.credentials(),
      maxAttempts: 6,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
      logger: connection.client.config.logger,
    });
    try {
      // Turns of 50 operations, as in D: each library runs warm, as in an application that uses one
      // (turn by turn every operation, each library would pay for the cache misses the others cause).
      return await interleaved(connection, table.tableName, quick ? 2 : 5, quick ? 100 : 300, { block: 50, reference });
    } finally {
      reference.destroy();
      await table.delete();
    }
  }),
  requests: onLocal((connection) => requestTable(connection, quick ? 5 : 20)),
  bulk: onLocal((connection) => bulkRounds(connection, quick ? 1 : 3, quick ? 2000 : 10_000)),
  mixed: onLocal((connection) => mixedRounds(connection, quick ? 2 : 5, quick ? 800 : 4000, quick ? 200 : 1000)),
  changelog: onLocal((connection) => changeLogBench(connection, quick)),
  streams: onLocal((connection) => streamsBench(connection, quick)),
  http: onLocal((connection) => httpBench(connection, quick)),
  sse: onLocal((connection) => sseBench(connection, quick ? 20 : 100, quick ? 200 : 2000)),
  appends: onLocal((connection) => bigAppends(connection, quick ? 200 : 2000)),
  paging: onLocal((connection) => paging(connection, quick ? 5000 : 100_000)),
};
export type ScenarioName = keyof typeof scenarios;
export type ScenarioResults = { [K in ScenarioName]: Awaited<ReturnType<(typeof scenarios)[K]>> };

// The parent only imports this module's types; run as a script, it runs the scenario named on the command line.
const name = process.argv[2];
if (!name || !(name in scenarios)) throw new Error(`unknown scenario '${name}' (one of ${Object.keys(scenarios).join(', ')})`);
const result = await scenarios[name as ScenarioName]();
console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
