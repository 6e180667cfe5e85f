/**
 * The chaos workload and its checks. Writers run the entity API, bulk writes, the change log and
 * the outbox while faults are injected; every call has a watchdog, so a call that never returns
 * is counted instead of hanging the run. At the end, with faults off, what each writer was told
 * (acknowledged) is compared with what the table holds.
 */
import { randomUUID } from 'node:crypto';
import { connect, isRepositoryError, type Connection } from 'tablekit';
import { startLocalDynamo, type LocalDynamo } from 'tablekit/local';
import { ChangeLog, withChangeLog } from 'tablekit/services';
import { AppTable } from '../entities/index.ts';
import { startControl, type ControlReport } from './control.ts';
import { injectFaults, type FaultStats } from './faults.ts';

export interface ChaosOptions {
  seconds: number;
  writers: number;
  faultRate: number;
  pauses: boolean;
  kills: boolean;
  /** Seconds between kills of the database (default 15). */
  killEverySeconds?: number;
  dbPath: string;
  log?: (line: string) => void;
}

export interface ChaosReport {
  /** Acknowledged writes that are not stored, duplicates, gaps, calls that never returned. */
  violations: string[];
  counts: Record<string, number>;
  errors: Record<string, number>;
  faults: FaultStats;
  processFaults: { pauses: number; kills: number };
  /** The raw SDK's own writes through the same pauses and kills: what the emulator lost by itself. */
  control: ControlReport;
  markdown: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const WATCHDOG_MS = 60_000;
const HOUR = 3600;

interface Ledger {
  /** Users acknowledged, each with the time (ms) it was acknowledged. */
  users: Map<string, number>;
  /** Per progress item: increments acknowledged and increments attempted (acknowledged or not). */
  counters: Map<string, { acknowledged: number; attempted: number }>;
  bulk: Set<string>;
  /** Change markers acknowledged, each with the seq the log returned. */
  changes: Map<string, number>;
  outbox: Set<string>;
  errors: Map<string, number>;
  calls: number;
  hung: number;
}

/** Runs `call` with a watchdog: a call still pending after the watchdog is counted as hung. */
async function watched<T>(ledger: Ledger, call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  ledger.calls++;
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), WATCHDOG_MS)));
  try {
    const outcome = await Promise.race([call().then((value) => ({ value })), hung]);
    if (outcome === 'hung') {
      ledger.hung++;
      return { ok: false };
    }
    return { ok: true, value: outcome.value };
  } catch (error) {
    const code = isRepositoryError(error) ? error.code : `raw ${error instanceof Error ? error.name : typeof error}`;
    ledger.errors.set(code, (ledger.errors.get(code) ?? 0) + 1);
    return { ok: false };
  } finally {
    clearTimeout(timer);
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  let local: LocalDynamo = await startLocalDynamo({ dbPath: options.dbPath });
  const { port, endpoint } = local;
  // Bounded waits: a paused database answers nothing; requests time out and are retried.
  const connection: Connection = await connect({
    endpoint,
    clientConfig: { maxAttempts: 6, requestHandler: { requestTimeout: 3_000, connectionTimeout: 1_000, throwOnRequestTimeout: true } },
  });
  const faults = injectFaults(connection, options.faultRate);
  const table = AppTable.bind(connection, { tableName: `chaos-${Date.now()}` });
  await table.ensure();
  const changeLog = new ChangeLog(table);
  const projectId = 'chaos';
  const outbox = withChangeLog(table, 'user', { changeLog, projectId: 'chaos-outbox' });
  const ledger: Ledger = {
    users: new Map(),
    counters: new Map(),
    bulk: new Set(),
    changes: new Map(),
    outbox: new Set(),
    errors: new Map(),
    calls: 0,
    hung: 0,
  };
  const ownerId = randomUUID();
  const ttl = Math.floor(Date.now() / 1000) + HOUR;
  const progress = (videoId: string, positionSeconds = 0) => ({
    userId: ownerId,
    videoId,
    positionSeconds,
    durationSeconds: 600,
    completed: false,
    updatedAt: new Date().toISOString(),
    ttl,
  });

  const stopAt = Date.now() + options.seconds * 1000;
  const processFaults = { pauses: 0, kills: 0, killedAt: [] as number[] };
  let running = true;
  const controlReport = await startControl(endpoint, () => Date.now() >= stopAt);

  const writer = async (index: number) => {
    const counter = `counter-${index}`;
    while (!(await watched(ledger, () => table.entities.videoProgress.create(progress(counter)))).ok && running) await sleep(200);
    ledger.counters.set(counter, { acknowledged: 0, attempted: 0 });
    for (let round = 0; Date.now() < stopAt; round++) {
      const kind = (index + round) % 5;
      if (kind === 0) {
        const userId = randomUUID();
        const email = `chaos.${userId}@example.com`;
        if ((await watched(ledger, () => table.entities.user.create({ userId, email, firstName: 'C', lastName: 'H', isActive: true }))).ok)
          ledger.users.set(userId, Date.now());
      } else if (kind === 1) {
        const entry = ledger.counters.get(counter);
        if (!entry) continue;
        entry.attempted++;
        if ((await watched(ledger, () => table.entities.videoProgress.patch({ userId: ownerId, videoId: counter }, { add: { positionSeconds: 1 } }))).ok)
          entry.acknowledged++;
      } else if (kind === 2) {
        const items = Array.from({ length: 25 }, (_, item) => progress(`bulk-${index}-${round}-${item}`));
        if ((await watched(ledger, () => table.entities.videoProgress.saveAll(items))).ok) for (const item of items) ledger.bulk.add(item.videoId);
      } else if (kind === 3) {
        const marker = `${index}-${round}`;
        const appended = await watched(ledger, () =>
          changeLog.append(projectId, { entityType: 'doc', entityId: `w${index}`, operation: 'update', data: { marker } }),
        );
        if (appended.ok) ledger.changes.set(marker, appended.value.seq);
      } else {
        const userId = randomUUID();
        if ((await watched(ledger, () => outbox.create({ userId, email: `outbox.${userId}@example.com`, firstName: 'O', lastName: 'B', isActive: true }))).ok)
          ledger.outbox.add(userId);
      }
    }
  };

  const chaos = async () => {
    const killEvery = (options.killEverySeconds ?? 15) * 1000;
    let nextKill = Date.now() + killEvery;
    while (Date.now() < stopAt - 3_000) {
      // Without pauses, wake up for the next kill; with them, every 2 to 4 s.
      await sleep(options.pauses ? 2_000 + Math.random() * 2_000 : Math.max(100, Math.min(nextKill, stopAt - 3_000) - Date.now()));
      if (options.kills && Date.now() >= nextKill && Date.now() < stopAt - 4_000) {
        log(`kill -9 DynamoDB Local (pid ${local.pid}), restart on port ${port}`);
        processFaults.killedAt.push(Date.now());
        process.kill(local.pid, 'SIGKILL');
        await local.exited;
        local = await startLocalDynamo({ dbPath: options.dbPath, port });
        processFaults.kills++;
        nextKill = Date.now() + killEvery;
      } else if (options.pauses) {
        const pause = 1_000 + Math.random() * 2_000;
        log(`SIGSTOP DynamoDB Local for ${(pause / 1000).toFixed(1)} s`);
        process.kill(local.pid, 'SIGSTOP');
        await sleep(pause);
        process.kill(local.pid, 'SIGCONT');
        processFaults.pauses++;
      }
    }
  };

  log(`chaos: ${options.writers} writers for ${options.seconds} s, ${Math.round(options.faultRate * 100)} % of SDK calls failing`);
  await Promise.all([...Array.from({ length: options.writers }, (_, index) => writer(index)), chaos()]);
  running = false;
  faults.rate = 0;

  const control = await controlReport();
  const report = await check(table, changeLog, projectId, ownerId, ledger, faults, processFaults, control);
  table.closeStreams();
  await connection.close();
  await local.stop();
  return report;
}

type Table = ReturnType<typeof AppTable.bind>;

/** Where an acknowledgement falls among the kills: a write lost by the emulator was acknowledged before one. */
function whenAcknowledged(at: number | undefined, killedAt: readonly number[]): string {
  const nextKill = killedAt.find((killed) => at !== undefined && killed >= at);
  return at === undefined || nextKill === undefined
    ? 'acknowledged after the last kill'
    : `acknowledged ${((nextKill - at) / 1000).toFixed(1)} s before a kill -9`;
}

async function check(
  table: Table,
  changeLog: ChangeLog,
  projectId: string,
  ownerId: string,
  ledger: Ledger,
  faults: FaultStats,
  processFaults: { pauses: number; kills: number; killedAt: number[] },
  control: ControlReport,
): Promise<ChaosReport> {
  const violations: string[] = [];
  const users = await table.entities.user.getMany([...ledger.users.keys()]);
  for (const userId of users.missing)
    violations.push(`acknowledged user ${userId} is not stored (${whenAcknowledged(ledger.users.get(userId), processFaults.killedAt)})`);
  let lostIncrements = 0;
  let extraIncrements = 0;
  for (const [videoId, { acknowledged, attempted }] of ledger.counters) {
    const value = (await table.entities.videoProgress.get({ userId: ownerId, videoId })).positionSeconds;
    if (value < acknowledged) lostIncrements += acknowledged - value;
    if (value > attempted) extraIncrements += value - attempted;
  }
  if (lostIncrements > 0) violations.push(`${lostIncrements} acknowledged counter increments are lost`);
  if (extraIncrements > 0) violations.push(`${extraIncrements} counter increments were applied more often than attempted`);
  const bulk = await table.entities.videoProgress.getMany([...ledger.bulk].map((videoId) => ({ userId: ownerId, videoId })));
  const lostBulk = bulk.missing.length;
  if (lostBulk > 0) violations.push(`${lostBulk} acknowledged bulk items are not stored`);

  const changes = [];
  for await (const page of changeLog.paginate(projectId)) changes.push(...page);
  const seqs = changes.map((change) => change.seq);
  const gaps = seqs.filter((seq, index) => seq !== index + 1).length;
  if (gaps > 0) violations.push(`the change log has ${gaps} seqs out of place (gaps)`);
  const markers = new Map<string, number>();
  for (const change of changes) {
    const marker = String((change.data as { marker?: unknown }).marker);
    markers.set(marker, (markers.get(marker) ?? 0) + 1);
  }
  const duplicates = [...markers.values()].filter((count) => count > 1).length;
  if (duplicates > 0) violations.push(`${duplicates} changes were appended more than once`);
  const lostChanges = [...ledger.changes.keys()].filter((marker) => !markers.has(marker)).length;
  if (lostChanges > 0) violations.push(`${lostChanges} acknowledged changes are not in the log`);
  const outboxUsers = await table.entities.user.getMany([...ledger.outbox]);
  if (outboxUsers.missing.length > 0) violations.push(`${outboxUsers.missing.length} acknowledged outbox writes are not stored`);
  const recorded = new Set<string>();
  for await (const page of changeLog.paginate('chaos-outbox')) for (const change of page) recorded.add(change.entityId);
  const unrecorded = [...ledger.outbox].filter((userId) => !recorded.has(userId)).length;
  if (unrecorded > 0) violations.push(`${unrecorded} acknowledged outbox writes have no change`);
  if (ledger.hung > 0) violations.push(`${ledger.hung} calls never returned (watchdog ${WATCHDOG_MS / 1000} s)`);

  const counts = {
    calls: ledger.calls,
    'users acknowledged': ledger.users.size,
    'counter increments acknowledged': [...ledger.counters.values()].reduce((sum, entry) => sum + entry.acknowledged, 0),
    'bulk items acknowledged': ledger.bulk.size,
    'changes acknowledged': ledger.changes.size,
    'changes stored': changes.length,
    'outbox writes acknowledged': ledger.outbox.size,
    'calls that never returned': ledger.hung,
  };
  const errors = Object.fromEntries([...ledger.errors].sort());
  const markdown = [
    '| measure | value |',
    '| --- | --- |',
    ...Object.entries(counts).map(([name, value]) => `| ${name} | ${value} |`),
    `| SDK calls / faults injected | ${faults.calls} / ${Object.entries(faults.injected)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ')} |`,
    `| database paused / killed and restarted | ${processFaults.pauses} / ${processFaults.kills} |`,
    `| control, raw SDK without tablekit: PutItem lost / acknowledged | ${control.puts.lost} / ${control.puts.acknowledged} |`,
    `| control, raw SDK without tablekit: TransactWriteItems lost / acknowledged | ${control.transactions.lost} / ${control.transactions.acknowledged} |`,
    `| errors by code | ${
      Object.entries(errors)
        .map(([code, count]) => `${code} ${count}`)
        .join(', ') || 'none'
    } |`,
    `| violations | ${violations.length === 0 ? 'none' : violations.join('; ')} |`,
  ].join('\n');
  return { violations, counts, errors, faults, processFaults, control, markdown };
}
