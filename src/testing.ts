/** tablekit/testing: the in-memory twin of DynamoDB, for unit tests (`AppTable.bind(inMemory())`). */
export { inMemory, type MemoryConnection } from './storage/index.ts';
