/**
 * `npm start`: a tour of the bundled application on DynamoDB. With nothing configured it starts
 * an embedded DynamoDB Local (stopped again at the end); DYNAMODB_ENDPOINT or AWS_REGION point
 * it elsewhere, TABLEKIT_TABLE names the table (default `tablekit`).
 */
import { connect, OperationStats, type Connection } from 'tablekit';
import { openStore, type Store } from '../entities/index.ts';
import { runEntityApiTour } from './entity-api.ts';
import { runHttpTour } from './http.ts';
import { step, type Print } from './print.ts';
import { logRequests } from './requests.ts';
import { runServicesTour } from './services.ts';
import { runStreamsTour } from './streams.ts';
import { runTwinTour } from './twin.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const print: Print = (line) => console.log(line);

async function tour(connection: Connection, tableName: string): Promise<void> {
  const requests = logRequests(connection);
  print(`\nTable '${tableName}' on ${connection.endpoint ?? `AWS ${connection.region}`} (${connection.source})`);
  const store: Store = await step(
    'openStore: ensure the AppTable',
    print,
    () => openStore({ connection, tableName }),
    (opened) => `${opened.table.definition.patterns.length} access patterns, ${Object.keys(opened.entities).length} entities`,
  );
  // Metrics: one event per entity-API operation of the store's table, summed up at the end.
  const stats = new OperationStats();
  const stopStats = store.table.onOperation(stats.record);
  try {
    await runEntityApiTour(store, connection, requests, print);
    await runTwinTour(connection, tableName, print);
    await runServicesTour(store, print);
    await runStreamsTour(store, print);
    await runHttpTour(store, print);
  } finally {
    stopStats();
    await store.close();
  }
  print(`\nPer-operation summary (table.onOperation, ${stats.total} operations of the store's table):`);
  for (const line of stats.format().split('\n')) print(`  ${line}`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const connection = await connect();
  print(`tablekit demo: connected (${connection.source}) in ${(performance.now() - started).toFixed(0)} ms`);
  const tourStarted = performance.now();
  try {
    await tour(connection, process.env.TABLEKIT_TABLE ?? 'tablekit');
  } finally {
    // Stops the embedded DynamoDB Local (its java process) when this connection started one.
    await connection.close();
  }
  print(
    `\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s (tour ${((performance.now() - tourStarted) / 1000).toFixed(1)} s); ${connection.local ? 'embedded DynamoDB Local stopped.' : 'connection closed.'}`,
  );
}

try {
  await main();
} catch (error) {
  console.error(`\ndemo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
