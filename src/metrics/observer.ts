import { ProxyTracerProvider, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { isMap } from '../expression/index.ts';
import { newScope, runInScope, type OperationScope } from './scope.ts';

/** The entity-API operations an event names. */
export type OperationName =
  | 'get'
  | 'getByUnique'
  | 'getMany'
  | 'find'
  | 'page'
  | 'query'
  | 'create'
  | 'save'
  | 'patch'
  | 'update'
  | 'delete'
  | 'createAll'
  | 'updateAll'
  | 'deleteAll'
  | 'saveAll'
  | 'transactWrite'
  | 'transactGet'
  | 'collection';

/** Consumed capacity units (ReturnConsumedCapacity: TOTAL); zero in memory. */
export interface ConsumedCapacity {
  readonly read: number;
  readonly write: number;
  readonly total: number;
}

/** ONE event per entity-API operation (not per DynamoDB request), after it ends. */
export interface OperationEvent {
  /** Physical table name. */
  readonly table: string;
  readonly backend: 'dynamodb' | 'memory';
  /** The entity; undefined for a table operation over several entities (transactWrite, transactGet, collection). */
  readonly entity: string | undefined;
  /** Every entity the operation touched. */
  readonly entities: readonly string[];
  readonly operation: OperationName;
  /** The access pattern read (find, page, query with a pattern). */
  readonly pattern: string | undefined;
  /** The index read: `primary` for the table, a GSI name, or `scan`; undefined for writes. */
  readonly index: string | undefined;
  /** DynamoDB requests sent, tablekit's own re-sends included (in memory: calls to the twin). */
  readonly requests: number;
  /** HTTP attempts, the SDK's retries included. */
  readonly attempts: number;
  /** SDK retries (attempts − requests) plus tablekit's re-sends (unprocessed batch items, writes re-planned after a concurrent change). */
  readonly retries: number;
  /** Attempts DynamoDB answered with a throttling error, plus batch answers with unprocessed items. */
  readonly throttles: number;
  /** Wall-clock time of the operation, retries and backoff included. */
  readonly latencyMs: number;
  /** Items read (returned) or written. */
  readonly items: number;
  readonly consumedCapacity: ConsumedCapacity;
  /** The RepositoryError code when the operation failed. */
  readonly error: string | undefined;
}

export type OperationListener = (event: OperationEvent) => void;

/** What the caller knows about an operation before it runs. */
export interface OperationInfo {
  readonly entity: string | undefined;
  readonly entities: readonly string[];
  readonly operation: OperationName;
  readonly pattern?: string | undefined;
  readonly index?: string | undefined;
}

/** The provider the API returns while none is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** True when the application registered an OpenTelemetry tracer provider (the API is a no-op otherwise). */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate !== NOOP_PROVIDER;
}

const errorCode = (error: unknown): string => (isMap(error) && typeof error.code === 'string' ? error.code : 'unknown');

/**
 * The one subscription point of a bound table: listeners get one OperationEvent per operation,
 * and an OpenTelemetry span is made per operation when a tracer provider is registered. With
 * neither, `run` calls the operation directly: no scope, no timing, no span.
 */
export class OperationObserver {
  private readonly listeners = new Set<OperationListener>();

  constructor(
    readonly table: string,
    readonly backend: 'dynamodb' | 'memory',
    /** Installs the SDK middleware on first use (DynamoDB only). */
    private readonly install: () => void = () => undefined,
  ) {}

  subscribe(listener: OperationListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('onOperation takes a function');
    this.install();
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  get active(): boolean {
    return this.listeners.size > 0 || tracingActive();
  }

  /** Runs one operation; `count` tells how many items its result holds. */
  run<T>(info: OperationInfo, operation: () => Promise<T>, count: (result: T) => number): Promise<T> {
    if (this.listeners.size === 0 && !tracingActive()) return operation();
    this.install();
    if (!tracingActive()) return this.measure(info, operation, count, undefined);
    const tracer = trace.getTracer('tablekit');
    const name = `${info.entity ?? 'table'}.${info.operation}`;
    return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes: spanAttributes(this.table, info) }, (span) =>
      this.measure(info, operation, count, span),
    );
  }

  private async measure<T>(info: OperationInfo, operation: () => Promise<T>, count: (result: T) => number, span: Span | undefined): Promise<T> {
    const scope = newScope();
    const started = performance.now();
    let items = 0;
    let failure: { error: unknown } | undefined;
    try {
      const result = await runInScope(scope, operation);
      items = count(result);
      return result;
    } catch (error) {
      failure = { error };
      throw error;
    } finally {
      const event = this.event(info, scope, performance.now() - started, items, failure ? errorCode(failure.error) : undefined);
      if (span) endSpan(span, event, failure);
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          process.emitWarning(`tablekit: an onOperation listener threw: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }

  private event(info: OperationInfo, scope: OperationScope, latencyMs: number, items: number, error: string | undefined): OperationEvent {
    const read = round(scope.read);
    const write = round(scope.write);
    return {
      table: this.table,
      backend: this.backend,
      entity: info.entity,
      entities: info.entities,
      operation: info.operation,
      pattern: info.pattern,
      index: info.index,
      requests: scope.requests,
      attempts: scope.attempts,
      retries: Math.max(0, scope.attempts - scope.requests) + scope.resends,
      throttles: scope.throttles,
      latencyMs,
      items,
      consumedCapacity: { read, write, total: round(read + write) },
      error,
    };
  }
}

const round = (units: number) => Math.round(units * 1000) / 1000;

function spanAttributes(table: string, info: OperationInfo): Attributes {
  return {
    'db.system': 'dynamodb',
    'db.system.name': 'aws.dynamodb',
    'db.operation.name': info.operation,
    'db.collection.name': table,
    'aws.dynamodb.table_names': [table],
    'tablekit.entity': info.entity ?? info.entities.join(','),
    'tablekit.operation': info.operation,
    ...(info.pattern ? { 'tablekit.pattern': info.pattern } : {}),
    ...(info.index && info.index !== 'primary' && info.index !== 'scan' ? { 'aws.dynamodb.index_name': info.index } : {}),
  };
}

function endSpan(span: Span, event: OperationEvent, failure: { error: unknown } | undefined): void {
  span.setAttributes({
    'tablekit.requests': event.requests,
    'tablekit.attempts': event.attempts,
    'tablekit.retries': event.retries,
    'tablekit.throttles': event.throttles,
    'tablekit.items': event.items,
    'tablekit.consumed_capacity.read': event.consumedCapacity.read,
    'tablekit.consumed_capacity.write': event.consumedCapacity.write,
    'tablekit.consumed_capacity.total': event.consumedCapacity.total,
  });
  if (failure) {
    span.setAttribute('error.type', event.error ?? 'unknown');
    if (failure.error instanceof Error) span.recordException(failure.error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.error instanceof Error ? failure.error.message : String(failure.error) });
  }
  span.end();
}
