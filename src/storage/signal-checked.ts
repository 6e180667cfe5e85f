import type { RawListener } from '../streams/index.ts';
import type {
  BatchWriteOptions,
  BatchWriteRequest,
  BatchWriteResult,
  DeleteInput,
  GetInput,
  PutInput,
  QueryInput,
  RawItem,
  RawPage,
  ScanInput,
  Storage,
  TransactWriteItem,
  TransactWriteOptions,
  UpdateInput,
} from './types.ts';

/** What a checked storage looks at before each request: an AbortSignal, or an operation's deadline. */
export interface Gate {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/**
 * A storage whose every call first checks a gate (the operation's signal or deadline): once it
 * closed, no further request is sent. The twin answers at once, so an aborted operation stops
 * before its next request, as it would against DynamoDB. One object per operation (a class, not
 * a closure per method: it is made for every call).
 */
class GatedStorage implements Storage {
  readonly tableName: string;
  readonly kind: Storage['kind'];

  constructor(
    private readonly storage: Storage,
    private readonly gate: Gate,
  ) {
    this.tableName = storage.tableName;
    this.kind = storage.kind;
  }

  private closed(): Promise<never> | undefined {
    return this.gate.aborted ? Promise.reject(this.gate.reason) : undefined;
  }

  get(input: GetInput): Promise<RawItem | undefined> {
    return this.closed() ?? this.storage.get(input);
  }
  put(input: PutInput): Promise<void> {
    return this.closed() ?? this.storage.put(input);
  }
  update(input: UpdateInput): Promise<RawItem> {
    return this.closed() ?? this.storage.update(input);
  }
  delete(input: DeleteInput): Promise<RawItem | undefined> {
    return this.closed() ?? this.storage.delete(input);
  }
  query(input: QueryInput): Promise<RawPage> {
    return this.closed() ?? this.storage.query(input);
  }
  scan(input: ScanInput): Promise<RawPage> {
    return this.closed() ?? this.storage.scan(input);
  }
  batchGet(keys: readonly RawItem[], consistent: boolean): Promise<RawItem[]> {
    return this.closed() ?? this.storage.batchGet(keys, consistent);
  }
  batchWrite(requests: readonly BatchWriteRequest[], options?: BatchWriteOptions): Promise<BatchWriteResult> {
    return this.closed() ?? this.storage.batchWrite(requests, options);
  }
  transactWrite(items: readonly TransactWriteItem[], options?: TransactWriteOptions): Promise<void> {
    return this.closed() ?? this.storage.transactWrite(items, options);
  }
  transactGet(keys: readonly RawItem[]): Promise<(RawItem | undefined)[]> {
    return this.closed() ?? this.storage.transactGet(keys);
  }
  subscribe(listener: RawListener): Promise<() => void> {
    return this.storage.subscribe(listener);
  }
  closeStreams(): void {
    this.storage.closeStreams();
  }
  withSignal(signal: AbortSignal | undefined): Storage {
    return this.storage.withSignal(signal);
  }
}

export function signalChecked(storage: Storage, gate: Gate): Storage {
  return new GatedStorage(storage, gate);
}
