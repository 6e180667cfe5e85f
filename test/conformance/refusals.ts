/**
 * Helpers of the bad-input suites: a refusal is a RepositoryError 'validation' whose issues name
 * the field (and whose message says it), and a raw read of the whole table shows nothing written.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ExecutionContext } from 'ava';
import type { BoundTable, RepositoryError } from '../../src/index.ts';
import type { TestTable } from '../support/db.ts';
import { rejectsWith } from './fixtures.ts';

/** Lets a test pass what the types forbid, as JavaScript callers can. */
export const bad = <T>(value: unknown): T => value as T;

/**
 * Asserts a `validation` error that names `field`: an issue whose path contains it, and the
 * message mentions it. A RegExp is matched against the message only (errors without a field).
 */
export async function refused(t: ExecutionContext, run: () => Promise<unknown>, field: string | RegExp, label?: string): Promise<RepositoryError> {
  const error = await rejectsWith(t, run, 'validation');
  const what = `${label ?? ''} ${error.message} ${JSON.stringify(error.issues)}`.trim();
  if (typeof field === 'string') {
    // By its path (a bad value), or in its message (an unknown attribute has no path of its own).
    t.true(
      error.issues.some(
        (issue) => (issue.path.includes(field) && issue.message.length > 0) || issue.message.includes(`"${field}"`) || issue.message.includes(`'${field}'`),
      ),
      `issues name '${field}': ${what}`,
    );
    t.true(error.message.includes(field), `the message names '${field}': ${what}`);
  } else t.regex(error.message, field, what);
  return error;
}

/** Synchronous refusals (autoIdentify, builders): the same checks on a thrown error. */
export function refusedNow(t: ExecutionContext, run: () => unknown, field: string): void {
  try {
    run();
    t.fail(`expected a validation error naming '${field}'`);
  } catch (error) {
    const e = error as RepositoryError;
    t.is(e.code, 'validation', e.message);
    t.true(
      e.issues.some((issue) => issue.path.includes(field)),
      `issues name '${field}': ${JSON.stringify(e.issues)}`,
    );
  }
}

type Raw = Record<string, unknown>;

/**
 * Every raw item of the table, sorted by key: a Scan through the connection's own DocumentClient
 * on DynamoDB (not through tablekit), the twin's storage in memory.
 */
export async function rawItems(handle: Pick<TestTable<never>, 'connection'> & { table: Pick<BoundTable, 'tableName' | 'storage'> }): Promise<Raw[]> {
  const items: Raw[] = [];
  let startKey: Raw | undefined;
  do {
    if ('doc' in handle.connection) {
      const page = await handle.connection.doc.send(new ScanCommand({ TableName: handle.table.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } else {
      const page = await handle.table.storage.scan(startKey ? { startKey } : {});
      items.push(...page.items);
      startKey = page.lastKey;
    }
  } while (startKey);
  const key = (item: Raw) => `${String(item.pk)}\u0000${String(item.sk)}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
