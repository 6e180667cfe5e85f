export type {
  BatchWriteOptions,
  BatchWriteRequest,
  BatchWriteResult,
  CheckInput,
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
export { DynamoStorage, queryParams, updateParams, putParams, scanParams, transactParams } from './dynamo.ts';
export { toWire } from './wire.ts';
export { MemoryStorage, type MemoryKeySchema } from './memory.ts';
export { inMemory, type MemoryConnection } from './memory-connection.ts';
export { signalChecked, type Gate } from './signal-checked.ts';
