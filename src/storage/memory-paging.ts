import { compareStrings, evaluate, itemSize, type Condition } from '../expression/index.ts';
import type { MemoryKeySchema } from './memory.ts';
import { invalid, MAX_PAGE_BYTES } from './memory-rules.ts';
import type { RawItem, RawPage } from './types.ts';

/** Items of an index in DynamoDB's order: by index sort key (UTF-8 bytes), ties by primary key; a Scan by primary key. */
export function ordered(
  schema: MemoryKeySchema,
  all: Iterable<RawItem>,
  indexName: string | undefined,
  match: (item: RawItem) => boolean,
): { items: RawItem[]; keyFields: string[] } {
  const index = indexName === undefined ? schema.primary : schema.indexes[indexName];
  if (!index) throw invalid(`The table does not have the specified index: ${indexName}`);
  const { pk, sk } = schema.primary;
  // A Scan (no index name) goes by primary key, the order its pages' start keys are compared in.
  const order = (indexName === undefined ? [pk, sk] : [index.sk, pk, sk]).filter((field): field is string => field !== undefined);
  const items = [...all].filter((item) => typeof item[index.pk] === 'string' && (!index.sk || typeof item[index.sk] === 'string') && match(item));
  items.sort((a, b) => {
    for (const field of order) {
      const difference = compareStrings(String(a[field] ?? ''), String(b[field] ?? ''));
      if (difference !== 0) return difference;
    }
    return 0;
  });
  const keyFields = [...new Set([pk, ...(sk ? [sk] : []), index.pk, ...(index.sk ? [index.sk] : [])])];
  return { items, keyFields: indexName === undefined ? [pk, ...(sk ? [sk] : [])] : keyFields };
}

export function page(
  ordered: RawItem[],
  keyFields: string[],
  order: string[],
  forward: boolean,
  input: { limit?: number; startKey?: RawItem; filter?: Condition; projection?: readonly string[] },
  end: { name: string; value: string } | undefined,
  project: (item: RawItem, projection: readonly string[] | undefined) => RawItem,
): RawPage {
  let start = 0;
  if (input.startKey) {
    const startKey = input.startKey;
    if (!keyFields.every((field) => typeof startKey[field] === 'string') || Object.keys(startKey).length !== keyFields.length) {
      throw invalid('The provided starting key is invalid');
    }
    const compareToStart = (item: RawItem) => {
      for (const field of order) {
        const difference = compareStrings(String(item[field] ?? ''), String(startKey[field] ?? ''));
        if (difference !== 0) return difference;
      }
      return 0;
    };
    // The first item past the start key in the direction of the query: deleted items leave no hole.
    start = ordered.findIndex((item) => (forward ? compareToStart(item) > 0 : compareToStart(item) < 0));
    if (start < 0) start = ordered.length;
  }
  const evaluated: RawItem[] = [];
  let bytes = 0;
  let stoppedEarly = false;
  for (let index = start; index < ordered.length; index++) {
    const item = ordered[index];
    if (!item) break;
    evaluated.push(item);
    bytes += itemSize(item);
    if ((input.limit !== undefined && evaluated.length >= input.limit) || (bytes >= MAX_PAGE_BYTES && index < ordered.length - 1)) {
      stoppedEarly = true;
      break;
    }
  }
  const last = evaluated[evaluated.length - 1];
  return {
    items: evaluated.filter((item) => !input.filter || evaluate(input.filter, item)).map((item) => project(item, input.projection)),
    lastKey: stoppedEarly && last && !(end && last[end.name] === end.value) ? Object.fromEntries(keyFields.map((field) => [field, last[field]])) : undefined,
    examined: evaluated.length,
  };
}
