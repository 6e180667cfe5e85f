/** Where one migration is, as `onProgress` and the progress display see it. */
export interface MigrationProgress {
  readonly migration: string;
  readonly entity: string;
  readonly type: 'version' | 'backfill';
  readonly dryRun: boolean;
  /** Items of the entity (at the migrated version) read so far, earlier runs included. */
  readonly scanned: number;
  /** Moved to the new version (backfill: index keys written); in a dry run, would be. */
  readonly migrated: number;
  /** Nothing to do: already moved by the application, deleted meanwhile, superseded by an application write of the new version, or (backfill) keys already right. */
  readonly skipped: number;
  /** Items that kept changing concurrently (a rerun picks them up) or, in a dry run, that up() rejects. */
  readonly failed: number;
  /** Table items this run's Scan read (every entity: DynamoDB's ScannedCount). */
  readonly examined: number;
  /** Estimated items to migrate in all: those found so far, extrapolated by the Scan's share of the table (DescribeTable's item count), when known. */
  readonly total: number | undefined;
  readonly elapsedMs: number;
  /** Items handled per second in this run. */
  readonly rate: number;
  /** Estimated time left (from examined / total), when known. */
  readonly etaMs: number | undefined;
  readonly done: boolean;
}

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export interface ProgressDisplay {
  update(progress: MigrationProgress): void;
  stop(): void;
}

const seconds = (ms: number | undefined) => {
  if (ms === undefined || !Number.isFinite(ms)) return '?';
  const total = Math.round(ms / 1000);
  return total >= 60 ? `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s` : `${total}s`;
};

/** One plain line: `user.v1-v2: scanned 120, migrated 118, skipped 2, failed 0 | 12% | 340/s | ETA 3s`. */
export function progressLine(progress: MigrationProgress): string {
  const handled = progress.migrated + progress.skipped + progress.failed;
  const percent = progress.total ? ` | ${Math.min(100, Math.floor((handled / Math.max(1, progress.total)) * 100))}% of ~${progress.total}` : '';
  const verb = progress.dryRun ? 'would migrate' : 'migrated';
  const tail = progress.done ? ` | done in ${seconds(progress.elapsedMs)}` : ` | ${Math.round(progress.rate)}/s | ETA ${seconds(progress.etaMs)}`;
  return `${progress.dryRun ? '[dry run] ' : ''}${progress.migration}: scanned ${progress.scanned}, ${verb} ${progress.migrated}, skipped ${progress.skipped}, failed ${progress.failed}${percent}${tail}`;
}

/**
 * The progress display of `tablekit migrate`: a bar (cli-progress) on a terminal, plain lines
 * (at most one per `intervalMs`, and the last one) otherwise.
 */
export async function progressDisplay(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr, intervalMs = 1000): Promise<ProgressDisplay> {
  const kind = mode === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : mode;
  if (kind === 'none') return { update: () => undefined, stop: () => undefined };
  if (kind === 'lines') {
    let last = 0;
    let pending: MigrationProgress | undefined;
    return {
      update(progress) {
        pending = progress;
        const now = Date.now();
        if (!progress.done && now - last < intervalMs) return;
        last = now;
        pending = undefined;
        stream.write(`${progressLine(progress)}\n`);
      },
      stop() {
        if (pending) stream.write(`${progressLine(pending)}\n`);
        pending = undefined;
      },
    };
  }
  const { MultiBar, Presets } = (await import('cli-progress')).default;
  const bars = new MultiBar(
    {
      stream,
      clearOnComplete: false,
      hideCursor: true,
      format: '{migration} [{bar}] {percentage}% | scanned {scanned} migrated {migrated} skipped {skipped} failed {failed} | {rate}/s | ETA {etaText}',
      fps: 10,
    },
    Presets.shades_classic,
  );
  const byMigration = new Map<string, ReturnType<typeof bars.create>>();
  return {
    update(progress) {
      const handled = progress.migrated + progress.skipped + progress.failed;
      const total = Math.max(1, handled, progress.total ?? progress.scanned);
      const payload = {
        migration: progress.dryRun ? `[dry run] ${progress.migration}` : progress.migration,
        scanned: progress.scanned,
        migrated: progress.migrated,
        skipped: progress.skipped,
        failed: progress.failed,
        rate: Math.round(progress.rate),
        etaText: progress.done ? 'done' : seconds(progress.etaMs),
      };
      let bar = byMigration.get(progress.migration);
      if (!bar) byMigration.set(progress.migration, (bar = bars.create(total, 0, payload)));
      bar.setTotal(total);
      bar.update(progress.done ? total : handled, payload);
    },
    stop: () => bars.stop(),
  };
}
