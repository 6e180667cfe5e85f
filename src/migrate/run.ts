import { RepositoryError, TransactionCancelledError } from '../errors/index.ts';
import { failureOf, modelFor, primaryKeyOf, toTransactItem, Upgrade, type EntityModel } from '../entity/index.ts';
import { and, type Condition } from '../expression/index.ts';
import { backoffDelay, defaultConflictPolicy, sleep } from '../retry/index.ts';
import type { RawItem, Storage, TransactWriteItem } from '../storage/index.ts';
import type { Migration } from './define.ts';
import { MigrationError } from './errors.ts';
import { RateLimiter, retryableTransaction } from './limits.ts';
import { batches, ItemMoves, type Prepared } from './moves.ts';
import type { MigrationResult, MigrationTarget } from './options.ts';
import type { MigrationProgress } from './progress.ts';
import { lanePart, segmentPart, StateStore, zero, type Counts, type StateItem } from './state.ts';

type Item = Record<string, unknown>;

const SINGLE_ATTEMPTS = 10;

export const about = (migration: Migration) => ({ entity: migration.entity, fromVersion: migration.from.version, toVersion: migration.to.version });

/** One migration over the whole table: its scan segments, moves, checkpoints and progress. */
export class MigrationRun {
  private readonly storage: Storage;
  private readonly from: EntityModel;
  private readonly to: EntityModel;
  private readonly upgrade: Upgrade;
  private readonly claims: EntityModel | undefined;
  private readonly moves: ItemMoves;
  private readonly state: StateStore;
  private readonly limiter: RateLimiter;
  private readonly counts: Counts = zero();
  private examined = 0;
  private total: number | undefined;
  private started = performance.now();
  private stopped: { error: unknown } | undefined;
  private readonly examples: { key: Item; before: Item; after: Item }[] = [];
  private readonly rejected: { key: Item; message: string; issues: { path: (string | number)[]; message: string }[] }[] = [];

  constructor(
    private readonly table: MigrationTarget,
    private readonly migration: Migration,
    private readonly settings: { segments: number; pageSize: number; batchSize: number; concurrency: number; maxRate: number | undefined },
    private readonly dryRun: boolean,
    private readonly report: (progress: MigrationProgress) => void,
  ) {
    this.storage = table.storage;
    const context = table.contextOf(migration.entity);
    this.claims = context.claims;
    const current = context.model;
    this.to = migration.to.version === current.definition.version ? current : modelFor(table.definition, migration.to);
    this.from = migration.type === 'backfill' ? this.to : modelFor(table.definition, migration.from);
    try {
      this.upgrade = new Upgrade(this.from, this.to, (item) => migration.up(item));
    } catch (error) {
      throw new MigrationError('invalidPlan', `${migration.name}: ${error instanceof Error ? error.message : String(error)}`, { migration: migration.name });
    }
    this.moves = new ItemMoves(migration, table, this.from, this.to, this.upgrade, this.claims);
    this.state = new StateStore(table.definition, this.storage, migration.name, about(migration));
    this.limiter = new RateLimiter(settings.maxRate);
  }

  private result(status: MigrationResult['status'], resumed: boolean, segments: number, counts: Counts): MigrationResult {
    const { migration } = this;
    const { scanned, migrated, skipped, failed } = counts;
    return {
      name: migration.name,
      entity: migration.entity,
      type: migration.type,
      fromVersion: migration.from.version,
      toVersion: migration.to.version,
      status,
      resumed,
      segments,
      scanned,
      migrated,
      skipped,
      failed,
      durationMs: performance.now() - this.started,
      examples: this.examples,
      rejected: this.rejected,
    };
  }

  private progress(done: boolean): void {
    const elapsedMs = performance.now() - this.started;
    const handledAll = this.counts.migrated + this.counts.skipped + this.counts.failed;
    const handled = handledAll - this.baseline;
    const rate = elapsedMs > 0 ? (handled * 1000) / elapsedMs : 0;
    // The Scan's share of the table read so far (it also meets about half the items this run wrote),
    // and from it the number of items to migrate: those found so far, extrapolated.
    const expected = this.total === undefined ? undefined : Math.max(this.examined, this.total + Math.round(handled / 2));
    const share = expected && this.examined > 0 ? Math.min(1, this.examined / expected) : undefined;
    const found = this.counts.scanned - this.scannedBefore;
    const total = done ? handledAll : share && found > 0 ? this.scannedBefore + Math.max(found, Math.round(found / share)) : undefined;
    const etaMs = total !== undefined && rate > 0 ? Math.max(0, ((total - handledAll) * 1000) / rate) : undefined;
    this.report({
      migration: this.migration.name,
      entity: this.migration.entity,
      type: this.migration.type,
      dryRun: this.dryRun,
      ...this.counts,
      examined: this.examined,
      total,
      elapsedMs,
      rate,
      etaMs,
      done,
    });
  }

  /** Items scanned by earlier runs. */
  private scannedBefore = 0;

  /** Items counted by earlier runs (the rate is this run's). */
  private baseline = 0;

  private add(counts: Partial<Counts>): void {
    for (const name of ['scanned', 'migrated', 'skipped', 'failed'] as const) this.counts[name] += counts[name] ?? 0;
  }

  async run(): Promise<MigrationResult> {
    this.started = performance.now();
    this.total = await this.table
      .describe()
      .then((summary) => summary?.itemCount)
      .catch(() => undefined);
    if (this.dryRun) {
      const record = await this.state.read('record');
      if (record?.status === 'done') return this.result('already', false, record.segments, record);
      await this.scanAll(this.settings.segments, async (segment) => this.dryRunSegment(segment));
      this.progress(true);
      return this.result('dryRun', false, this.settings.segments, this.counts);
    }
    const state = await this.state.readAll();
    let record = state.get('record');
    if (record?.status === 'done') return this.result('already', false, record.segments, record);
    const resumed = record !== undefined;
    const now = new Date().toISOString();
    if (!record) {
      record = { status: 'running', segments: this.settings.segments, lastKey: undefined, passes: 0, ...zero(), startedAt: now, finishedAt: undefined };
      await this.state.write('record', record);
    }
    const segments = record.segments;
    const fresh = (): StateItem => ({
      status: 'running',
      segments,
      lastKey: undefined,
      passes: record.passes,
      ...zero(),
      startedAt: now,
      finishedAt: undefined,
    });
    // Each segment's checkpoint (resume key, lane 0's counts) and the counters of its other lanes.
    for (let segment = 0; segment < segments; segment++) {
      for (let lane = 0; lane < this.settings.concurrency; lane++) {
        const part = lanePart(segment, lane);
        if (!state.has(part)) {
          await this.state.write(part, fresh());
          state.set(part, fresh());
        }
      }
    }
    for (const [part, item] of state) if (part !== 'record') this.add(item);
    // Counts of earlier passes (a pass that left failed items), failed ones excepted: they are tried again.
    this.add({ scanned: record.scanned, migrated: record.migrated, skipped: record.skipped });
    this.baseline = this.counts.migrated + this.counts.skipped + this.counts.failed;
    this.scannedBefore = this.counts.scanned;
    this.progress(false);
    await this.scanAll(segments, async (segment) => {
      const checkpoint = state.get(segmentPart(segment));
      if (checkpoint && checkpoint.status !== 'done') await this.migrateSegment(segment, segments, checkpoint.lastKey);
    });
    // The exact totals: the checkpoints and lane counters counted every item in the transaction that moved it.
    const pass = zero();
    const parts = await this.state.readAll();
    for (const [part, item] of parts) {
      if (part === 'record') continue;
      for (const name of ['scanned', 'migrated', 'skipped', 'failed'] as const) pass[name] += item[name];
    }
    const totals = {
      scanned: record.scanned + pass.scanned,
      migrated: record.migrated + pass.migrated,
      skipped: record.skipped + pass.skipped,
      failed: pass.failed,
    };
    Object.assign(this.counts, totals);
    if (pass.failed > 0) {
      // Another pass picks up the items that kept changing: fresh checkpoints, counts carried in the record.
      const carried = { ...totals, scanned: totals.scanned - pass.failed, failed: 0 };
      await this.state.write('record', { ...record, ...carried, passes: record.passes + 1 });
      for (const part of parts.keys()) if (part !== 'record') await this.state.write(part, { ...fresh(), passes: record.passes + 1 });
      this.progress(true);
      throw new MigrationError(
        'incomplete',
        `${this.migration.name}: ${pass.failed} item(s) kept changing concurrently and were not moved; run the migration again to move them`,
        { migration: this.migration.name },
      );
    }
    await this.state.write('record', { ...record, ...totals, status: 'done', passes: record.passes + 1, finishedAt: new Date().toISOString() });
    this.progress(true);
    return this.result('ran', resumed, segments, totals);
  }

  /** Runs every segment in parallel; the first failure stops the others after their current transaction. */
  private async scanAll(segments: number, run: (segment: number) => Promise<void>): Promise<void> {
    const outcomes = await Promise.allSettled(
      Array.from({ length: segments }, (_, segment) =>
        run(segment).catch((error: unknown) => {
          this.stopped ??= { error };
          throw error;
        }),
      ),
    );
    if (this.stopped) throw this.stopped.error;
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** The entity's items at the migrated version (a backfill: the current one). */
  private filter(): Condition {
    const { from } = this;
    return and(
      { kind: 'compare', name: '__edb_e__', op: '=', value: from.name },
      { kind: 'compare', name: '__edb_v__', op: '=', value: String(from.definition.version) },
    );
  }

  private async scanPage(segment: number, total: number, key: RawItem | undefined): Promise<{ items: RawItem[]; lastKey: RawItem | undefined }> {
    const page = await this.storage.scan({
      filter: this.filter(),
      segment: { index: segment, total },
      limit: this.settings.pageSize,
      ...(key ? { startKey: key } : {}),
    });
    this.examined += page.examined ?? page.items.length;
    return { items: page.items, lastKey: page.lastKey };
  }

  private async dryRunSegment(segment: number): Promise<void> {
    let key: RawItem | undefined;
    do {
      if (this.stopped) return;
      const page = await this.scanPage(segment, this.settings.segments, key);
      key = page.lastKey;
      for (const raw of page.items) {
        this.counts.scanned++;
        try {
          const prepared = this.moves.prepare(raw);
          this.counts[prepared.outcome]++;
          if (prepared.outcome === 'migrated' && this.examples.length < 3) {
            const after = this.migration.type === 'backfill' ? { ...raw, ...this.to.keys.itemKeys(this.to.strip(raw)) } : this.upgrade.apply(raw).raw;
            this.examples.push({ key: this.moves.keyOf(raw), before: this.from.strip(raw), after: this.to.strip(after) });
          }
        } catch (error) {
          if (!(error instanceof MigrationError)) throw error;
          this.counts.failed++;
          if (this.rejected.length < 5) this.rejected.push({ key: error.key ?? this.moves.keyOf(raw), message: error.message, issues: [...error.issues] });
        }
      }
      this.progress(false);
    } while (key);
  }

  /**
   * One segment: Scan pages (the next one read while this one is written), each page's items in
   * transactions sent by `concurrency` lanes (each lane counts in its own counter item, so they
   * never conflict), then the resume key moves past the page.
   */
  private async migrateSegment(segment: number, total: number, startKey: RawItem | undefined): Promise<void> {
    const read = (key: RawItem | undefined) => this.scanPage(segment, total, key);
    let next: Promise<{ items: RawItem[]; lastKey: RawItem | undefined }> | undefined = read(startKey);
    while (next && !this.stopped) {
      const page: { items: RawItem[]; lastKey: RawItem | undefined } = await next;
      next = page.lastKey ? read(page.lastKey) : undefined;
      // Kept from rejecting unobserved when this page fails first.
      next?.catch(() => undefined);
      const queue = [
        ...batches(
          page.items.map((raw) => this.moves.prepare(raw)),
          this.settings.batchSize,
        ),
      ];
      await Promise.all(
        Array.from({ length: Math.min(this.settings.concurrency, queue.length) }, async (_, lane) => {
          for (let batch = queue.shift(); batch && !this.stopped; batch = queue.shift()) {
            await this.limiter.take(batch.length);
            try {
              await this.send(lanePart(segment, lane), batch);
            } catch (error) {
              // The other lanes and segments stop after their current transaction.
              this.stopped ??= { error };
              throw error;
            }
            this.progress(false);
          }
        }),
      );
      if (this.stopped) return;
      await this.state.advance(segmentPart(segment), page.lastKey);
    }
  }

  /**
   * ONE transaction: every item's writes plus the checkpoint's counts. When some item's
   * condition fails (the application changed it, or wrote the new version first), the others
   * are sent again without it and it is handled on its own.
   */
  private async send(part: string, batch: readonly Prepared[]): Promise<void> {
    const counts: Counts = { ...zero(), scanned: batch.length };
    for (const item of batch) counts[item.outcome]++;
    const operations = batch.flatMap((item) => item.operations);
    const owners = batch.flatMap((item, index) => item.operations.map(() => index));
    const transaction: TransactWriteItem[] = [...operations.map(toTransactItem), this.state.countUpdate(part, counts)];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.storage.transactWrite(transaction, { itemsOnFailure: false });
        this.add(counts);
        return;
      } catch (error) {
        if (error instanceof TransactionCancelledError) {
          const failed = new Map<number, 'exists' | 'changed' | 'duplicate'>();
          error.reasons.forEach((reason, index) => {
            const operation = operations[index];
            const owner = owners[index];
            if (reason.code !== 'ConditionalCheckFailed' || !operation || owner === undefined) return;
            failed.set(owner, failureOf(operation, undefined, false));
          });
          if (failed.size > 0) {
            const rest = batch.filter((_, index) => !failed.has(index));
            if (rest.length > 0) await this.send(part, rest);
            for (const [index, reason] of failed) {
              const item = batch[index];
              if (item) await this.single(part, item.raw, reason);
            }
            return;
          }
        } else if (!retryableTransaction(error)) throw error;
        if (attempt >= defaultConflictPolicy.maxAttempts) throw error;
        await sleep(backoffDelay(defaultConflictPolicy, attempt));
      }
    }
  }

  /** One item whose move failed in a batch: re-read, and move it again (or count it) on its own. */
  private async single(part: string, first: RawItem, firstReason: 'exists' | 'changed' | 'duplicate'): Promise<void> {
    let raw: RawItem | undefined = first;
    let reason = firstReason;
    for (let attempt = 1; attempt <= SINGLE_ATTEMPTS; attempt++) {
      if (reason === 'duplicate')
        throw this.moves.invalid(
          first,
          RepositoryError.validation(this.to.name, [{ path: [], message: 'a unique value of the migrated item is taken by another item' }]),
        );
      if (reason === 'changed') {
        raw = await this.storage.get({ key: primaryKeyOf(this.from, first), consistent: true });
        // Gone, or no longer at the migrated version: moved or deleted by the application.
        if (!raw || raw.__edb_v__ !== String(this.from.definition.version)) return this.count(part, { scanned: 1, skipped: 1 });
      }
      if (!raw) return;
      let transaction: TransactWriteItem[];
      let counts: Counts;
      if (reason === 'exists') {
        // The application wrote the new version first: it wins; the old item goes (if unchanged).
        transaction = [{ delete: { key: primaryKeyOf(this.from, raw), condition: this.upgrade.unchanged(raw) } }];
        counts = { ...zero(), scanned: 1, skipped: 1 };
      } else {
        const prepared = this.moves.prepare(raw);
        transaction = prepared.operations.map(toTransactItem);
        counts = { ...zero(), scanned: 1, [prepared.outcome]: 1 };
      }
      try {
        await this.storage.transactWrite([...transaction, this.state.countUpdate(part, counts)]);
        this.add(counts);
        return;
      } catch (error) {
        if (error instanceof TransactionCancelledError) {
          const index = error.reasons.findIndex((candidate) => candidate.code === 'ConditionalCheckFailed');
          const operations = reason === 'exists' ? [] : this.moves.prepare(raw).operations;
          const operation = operations[index];
          reason = operation ? failureOf(operation, error.reasons[index]?.item) : 'changed';
        } else if (!retryableTransaction(error)) throw error;
        await sleep(backoffDelay(defaultConflictPolicy, attempt));
      }
    }
    await this.count(part, { scanned: 1, failed: 1 });
  }

  private async count(part: string, counts: Partial<Counts>): Promise<void> {
    const all = { ...zero(), ...counts };
    await this.storage.transactWrite([this.state.countUpdate(part, all)]);
    this.add(all);
  }
}
