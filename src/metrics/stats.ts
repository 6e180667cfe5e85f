import type { OperationEvent } from './observer.ts';

/** One row of a summary: the operations of one entity and kind. */
export interface OperationSummaryRow {
  /** `user.get`, `table.transactWrite`. */
  readonly operation: string;
  readonly count: number;
  readonly errors: number;
  readonly items: number;
  readonly requests: number;
  readonly retries: number;
  readonly throttles: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Capacity units consumed by all of them (0 in memory). */
  readonly capacity: number;
}

interface Bucket {
  count: number;
  errors: number;
  items: number;
  requests: number;
  retries: number;
  throttles: number;
  capacity: number;
  latencies: number[];
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;

/**
 * Aggregates operation events per entity and operation: pass `record` to `table.onOperation`,
 * then read `rows()` or print `format()` (a short per-operation summary: counts, p50 / p99
 * latency, requests, retries, throttles, capacity).
 */
export class OperationStats {
  private readonly buckets = new Map<string, Bucket>();

  readonly record = (event: OperationEvent): void => {
    const key = `${event.entity ?? 'table'}.${event.operation}`;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { count: 0, errors: 0, items: 0, requests: 0, retries: 0, throttles: 0, capacity: 0, latencies: [] }));
    bucket.count++;
    if (event.error !== undefined) bucket.errors++;
    bucket.items += event.items;
    bucket.requests += event.requests;
    bucket.retries += event.retries;
    bucket.throttles += event.throttles;
    bucket.capacity += event.consumedCapacity.total;
    bucket.latencies.push(event.latencyMs);
  };

  /** Rows sorted by operation name. */
  rows(): OperationSummaryRow[] {
    return [...this.buckets]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([operation, bucket]) => {
        const sorted = [...bucket.latencies].sort((a, b) => a - b);
        return {
          operation,
          count: bucket.count,
          errors: bucket.errors,
          items: bucket.items,
          requests: bucket.requests,
          retries: bucket.retries,
          throttles: bucket.throttles,
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          capacity: Math.round(bucket.capacity * 10) / 10,
        };
      });
  }

  /** Every operation counted so far. */
  get total(): number {
    let total = 0;
    for (const bucket of this.buckets.values()) total += bucket.count;
    return total;
  }

  /** A fixed-width text table of `rows()`. */
  format(): string {
    const header = ['operation', 'count', 'errors', 'p50 ms', 'p99 ms', 'requests', 'retries', 'throttles', 'capacity'];
    const lines = this.rows().map((row) => [
      row.operation,
      String(row.count),
      String(row.errors),
      row.p50Ms.toFixed(1),
      row.p99Ms.toFixed(1),
      String(row.requests),
      String(row.retries),
      String(row.throttles),
      row.capacity.toFixed(1),
    ]);
    const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)));
    const render = (cells: readonly string[]) =>
      cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
    return [render(header), ...lines.map(render)].join('\n');
  }
}
