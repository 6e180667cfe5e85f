import { isMap } from '../expression/index.ts';
import { RepositoryError } from '../errors/index.ts';
import { noteResend } from '../metrics/index.ts';
import { backoffDelay, sleep, type RetryPolicy } from '../retry/index.ts';
import type { RawItem } from '../storage/index.ts';
import { conditionOf } from './conditions.ts';
import { callOptionNames } from './deadline.ts';
import type { EntityContext } from './context.ts';
import { MovedError, type Guard } from './operations.ts';

export { MovedError };

type Item = Record<string, unknown>;

const describeId = (id: unknown) => (typeof id === 'string' ? `'${id}'` : JSON.stringify(id));

export const notFound = (entity: string, id: unknown, cause?: unknown) =>
  new RepositoryError('notFound', `${entity} ${describeId(id)} not found`, { id, entity, cause });

const retryableNames = new Set(['TransactionCanceledException', 'TransactionConflictException']);

/** Our own read guard failed, or DynamoDB cancelled a transaction for a concurrent one: nothing was written, so retrying is safe. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof MovedError) return true;
  if (!(error instanceof RepositoryError) || error.code !== 'conflict') return false;
  return retryableNames.has((error.cause as { name?: string } | undefined)?.name ?? '');
}

/** Runs an attempt until it does not fail with a retryable conflict, within the budget (withRetries' loop, without its wrapping per attempt). */
export async function retrying<T>(policy: RetryPolicy, entity: string, id: unknown, attempt: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let attemptNumber = 1; attemptNumber <= policy.maxAttempts; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      last = error;
      noteResend();
    }
    if (attemptNumber < policy.maxAttempts) await sleep(backoffDelay(policy, attemptNumber));
  }
  throw new RepositoryError('conflict', `${entity} ${describeId(id)} kept changing concurrently; gave up after ${policy.maxAttempts} attempts`, {
    id,
    entity,
    cause: last,
  });
}

/** The caller's `if` as a guard: when it fails, `conditionFailed`. */
export function userGuard(context: EntityContext, where: unknown, id: unknown): Guard[] {
  const condition = conditionOf(context.model.definition, where, 'if');
  if (!condition) return [];
  return [
    {
      condition,
      error: () =>
        new RepositoryError('conditionFailed', `${context.model.name} ${describeId(id)}: the write's condition does not hold`, {
          id,
          entity: context.model.name,
        }),
    },
  ];
}

const readOptionNames = new Set(['where', 'limit', 'cursor', 'order', 'consistent', 'attributes', 'include', ...callOptionNames]);
const getOptionNames = new Set(['consistent', 'attributes', 'include', ...callOptionNames]);

/** Checks read options once, for every read: unknown options, attributes and hidden names are validation errors. */
export function checkReadOptions(context: EntityContext, options: unknown, single: boolean): void {
  const { definition, name } = context.model;
  if (options === undefined) return;
  if (!isMap(options)) throw new RepositoryError('validation', `${name}: read options must be an object`, { entity: name });
  const allowed = single ? getOptionNames : readOptionNames;
  const issues: { path: (string | number)[]; message: string }[] = [];
  const given = options;
  for (const key of Object.keys(given)) {
    if (given[key] !== undefined && !allowed.has(key)) issues.push({ path: [key], message: `not an option of this read (${[...allowed].join(', ')})` });
  }
  const { limit, order, attributes, include, consistent } = given;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1))
    issues.push({ path: ['limit'], message: `must be a positive integer (got ${String(limit)})` });
  if (order !== undefined && order !== 'asc' && order !== 'desc') issues.push({ path: ['order'], message: "is 'asc' or 'desc'" });
  if (consistent !== undefined && typeof consistent !== 'boolean') issues.push({ path: ['consistent'], message: 'is true or false' });
  if (attributes !== undefined) {
    if (!Array.isArray(attributes) || attributes.length === 0) issues.push({ path: ['attributes'], message: 'is a non-empty array of attribute names' });
    else
      for (const field of attributes)
        if (!Object.hasOwn(definition.fields, String(field)))
          issues.push({ path: ['attributes'], message: `'${String(field)}' is not an attribute of ${name}` });
  }
  if (include !== undefined) {
    if (!Array.isArray(include)) issues.push({ path: ['include'], message: 'is an array of hidden attribute names' });
    else
      for (const field of include)
        if (!definition.hiddenFields.includes(String(field)))
          issues.push({ path: ['include'], message: `'${String(field)}' is not a hidden attribute of ${name}` });
  }
  if (issues.length > 0) throw RepositoryError.validation(name, issues);
}

/** A raw item as the caller asked for it: decoded, hidden left out unless included, projected. */
export function view(
  context: EntityContext,
  raw: RawItem,
  options: { attributes?: readonly string[] | undefined; include?: readonly string[] | undefined } = {},
): Item {
  const item = context.model.decode(raw, options.include ?? []);
  if (!options.attributes) return item;
  const { attributes } = options;
  return Object.fromEntries(attributes.filter((name) => item[name] !== undefined).map((name) => [name, item[name]]));
}

/** Opaque page cursor: DynamoDB's LastEvaluatedKey as base64url JSON. */
export function encodeCursor(lastKey: RawItem): string {
  return Buffer.from(JSON.stringify(lastKey)).toString('base64url');
}

export function decodeCursor(cursor: unknown, expectedFields: readonly string[]): RawItem {
  const invalid = new RepositoryError('validation', 'Invalid cursor: pass the cursor returned by the previous page of the same query, unchanged');
  if (typeof cursor !== 'string' || cursor.length === 0) throw invalid;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!key || typeof key !== 'object' || Array.isArray(key)) throw invalid;
  const fields = Object.keys(key);
  if (!isMap(key)) throw invalid;
  if (fields.length !== expectedFields.length || !expectedFields.every((field) => typeof key[field] === 'string')) throw invalid;
  return key;
}
