import { RepositoryError } from '../errors/index.ts';
import type { RawItem, TransactWriteItem } from './types.ts';

/** DynamoDB's limits the twin applies. */
export const MAX_ITEM_BYTES = 400 * 1024;
export const MAX_PAGE_BYTES = 1024 * 1024;
export const MAX_TRANSACTION_ITEMS = 100;

/** Idempotency tokens of successful transactions (ClientRequestToken): the request each stood for, until it expires. */
export type IdempotencyTokens = Map<string, { request: string; expires: number }>;
/** How long DynamoDB remembers a transaction's idempotency token. */
export const TOKEN_LIFETIME_MS = 10 * 60 * 1000;

export const invalid = (message: string) => new RepositoryError('validation', `DynamoDB rejected the request: ${message}`);

/** An item as the DocumentClient would send it (undefined dropped), or a validation error where DynamoDB refuses it. */
export function normaliseItem(item: RawItem): RawItem {
  const out: RawItem = {};
  for (const [key, inner] of Object.entries(item)) if (inner !== undefined) out[key] = normalise(inner, `item.${key}`);
  return out;
}

/** What the DocumentClient would send for a value (undefined dropped), or a validation error where DynamoDB refuses it. */
export function normalise(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(`${path}: ${value} is not a number DynamoDB can store`);
    // DynamoDB keeps no negative zero.
    return value === 0 ? 0 : value;
  }
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value instanceof Set) {
    if (value.size === 0) throw invalid(`${path}: an empty set cannot be stored`);
    const kinds = new Set([...value].map((element) => typeof element));
    if (kinds.size !== 1 || !(kinds.has('string') || kinds.has('number'))) throw invalid(`${path}: sets hold only strings or only numbers`);
    return new Set(value);
  }
  if (Array.isArray(value)) return value.filter((element) => element !== undefined).map((element, index) => normalise(element, `${path}[${index}]`));
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw invalid(`${path}: class instances cannot be stored`);
    const out: RawItem = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = normalise(inner, `${path}.${key}`);
    return out;
  }
  throw invalid(`${path}: ${typeof value} values cannot be stored`);
}

/** A transaction request as text, to tell a retry (the same request) from another one under the same token. */
export function fingerprint(tableName: string, items: readonly TransactWriteItem[]): string {
  return JSON.stringify([tableName, items], (_key, value: unknown) =>
    value instanceof Set ? { set: [...value] } : value instanceof Uint8Array ? { binary: Buffer.from(value).toString('base64') } : value,
  );
}

/** A stable hash for scan segments. */
export function hashOf(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (Math.imul(hash, 31) + text.charCodeAt(index)) >>> 0;
  return hash;
}
