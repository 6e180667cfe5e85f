import { RepositoryError } from '../errors/index.ts';
import { and, matchesKey, type Condition } from '../expression/index.ts';
import type { RawItem, RawPage } from '../storage/index.ts';
import { conditionOf } from './conditions.ts';
import type { EntityContext } from './context.ts';
import { mapped } from './operations.ts';
import { dedupeMoved, getManyPrevious, getPrevious, previousPhase, readPreviousPage } from './previous.ts';
import { keyQuery, type KeyQuery } from './sort-key.ts';
import { checkReadOptions, decodeCursor, encodeCursor, notFound, view } from './support.ts';
import { claimName } from './unique.ts';

type Item = Record<string, unknown>;

export interface ReadOptionsInput {
  where?: unknown;
  limit?: number;
  cursor?: string;
  order?: 'asc' | 'desc';
  consistent?: boolean;
  attributes?: readonly string[];
  include?: readonly string[];
}

export interface QueryInput {
  pattern?: string | undefined;
  key?: unknown;
}

/** Reads by id default to strongly consistent: a read after a write sees it. */
const consistentById = (options: ReadOptionsInput) => options.consistent ?? true;

export async function getItem(context: EntityContext, id: unknown, options: ReadOptionsInput = {}): Promise<Item> {
  checkReadOptions(context, options, true);
  const { model, storage } = context;
  const key = model.rawKey(id);
  let raw: RawItem | undefined;
  try {
    raw = await storage.get({ key, consistent: consistentById(options), ...(options.attributes ? { projection: options.attributes } : {}) });
    if (!raw && context.previous) raw = await getPrevious(context, id, consistentById(options));
  } catch (error) {
    throw mapped(error, model.name, id);
  }
  if (!raw) throw notFound(model.name, id);
  return view(context, raw, options);
}

/** The owner of a unique value, read through its claim with strong consistency. */
export async function getByUnique(context: EntityContext, field: unknown, value: unknown, options: ReadOptionsInput = {}): Promise<Item> {
  checkReadOptions(context, options, true);
  const { model, claims, storage } = context;
  const unique = model.definition.uniqueFields.find((candidate) => candidate.field === field);
  if (!unique || !claims) throw new RepositoryError('validation', `${model.name} has no unique field '${String(field)}'`, { entity: model.name });
  if (typeof value !== 'string' && typeof value !== 'number')
    throw RepositoryError.validation(model.name, [{ path: [String(field)], message: 'expected a string or number' }]);
  const normalised = unique.normalise(value);
  const claimKey = { unique: claimName(model.name, unique.field, normalised) };
  claims.keys.check(claimKey, ['unique'], value);
  try {
    const claim = await storage.get({ key: claims.keys.primaryKey(claimKey), consistent: true });
    if (typeof claim?.owner !== 'string') throw notFound(model.name, normalised);
    const ownerValues = model.ownerValues(claim.owner);
    const owner =
      (await storage.get({ key: model.keys.primaryKey(ownerValues), consistent: true })) ??
      (context.previous ? await getPrevious(context, model.idOf(ownerValues), true) : undefined);
    // A claim always moves with its owner; an owner without it was written around tablekit.
    if (!owner || unique.normalise(owner[unique.field]) !== normalised) throw notFound(model.name, normalised);
    return view(context, owner, options);
  } catch (error) {
    throw mapped(error, model.name, normalised);
  }
}

export async function getMany(context: EntityContext, ids: readonly unknown[], options: ReadOptionsInput = {}): Promise<{ items: Item[]; missing: unknown[] }> {
  checkReadOptions(context, options, true);
  const { model, storage } = context;
  if (!Array.isArray(ids)) throw new RepositoryError('validation', `${model.name}: getMany takes an array of ids`, { entity: model.name });
  const keys = new Map<string, RawItem>();
  for (const id of ids) {
    const values = model.idValues(id);
    keys.set(model.idKey(values), model.keys.primaryKey(values));
  }
  let found: RawItem[];
  try {
    found = await storage.batchGet([...keys.values()], consistentById(options));
    if (context.previous && found.length < keys.size) {
      const seen = new Set(found.map((raw) => model.idKey(raw)));
      const missing = new Map<string, Item>();
      for (const id of ids) {
        const values = model.idValues(id);
        if (!seen.has(model.idKey(values))) missing.set(model.idKey(values), values);
      }
      found.push(...(await getManyPrevious(context, [...missing.values()], consistentById(options))));
    }
  } catch (error) {
    throw mapped(error, model.name);
  }
  const byId = new Map(found.map((raw) => [model.idKey(raw), raw]));
  const result: { items: Item[]; missing: unknown[] } = { items: [], missing: [] };
  for (const id of ids) {
    const raw = byId.get(model.idKey(model.idValues(id)));
    if (raw) result.items.push(view(context, raw, options));
    else result.missing.push(id);
  }
  return result;
}

/** The filter that keeps a Scan to this entity's items. */
function entityFilter(context: EntityContext): Condition {
  const { definition } = context.model;
  return and(
    { kind: 'compare', name: '__edb_e__', op: '=', value: definition.name },
    { kind: 'compare', name: '__edb_v__', op: '=', value: String(definition.version) },
  );
}

/** One page of an access pattern (a Query with its key condition) or of every item (a Scan). */
export async function readPage(
  context: EntityContext,
  query: QueryInput | undefined,
  options: ReadOptionsInput = {},
): Promise<{ items: Item[]; cursor: string | undefined }> {
  checkReadOptions(context, options, false);
  const { model, storage } = context;
  if (query !== undefined && (typeof query !== 'object' || query === null))
    throw new RepositoryError('validation', `${model.name}: a query is { pattern, key } (or nothing for every item)`, { entity: model.name });
  if (context.previous) {
    // During a migration: the previous version's items first, then the new version's.
    const phase = previousPhase(options.cursor);
    if (phase.phase === 'previous') {
      const previous = await readPreviousPage(context, query, options, phase.startKey);
      if (previous) return previous;
      options = Object.assign({}, options, { cursor: undefined });
    } else options = Object.assign({}, options, { cursor: phase.cursor });
  }
  const where = conditionOf(model.definition, options.where, 'where');
  const projection = options.attributes;
  const primary = [model.keys.primary.pk.field, ...(model.keys.primary.sk ? [model.keys.primary.sk.field] : [])];
  let page: RawPage;
  let keyed: KeyQuery | undefined;
  try {
    if (query?.pattern === undefined) {
      if (query && 'key' in query && query.key !== undefined)
        throw new RepositoryError('validation', `${model.name}: a key needs a pattern`, { entity: model.name });
      const startKey = options.cursor === undefined ? undefined : decodeCursor(options.cursor, primary);
      page = await storage.scan({
        filter: and(entityFilter(context), where),
        ...(projection ? { projection } : {}),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(startKey ? { startKey } : {}),
        ...(options.consistent ? { consistent: true } : {}),
      });
    } else {
      keyed = keyQuery(model, query.pattern, query.key);
      if (keyed.empty) return { items: [], cursor: undefined };
      const { pattern, condition } = keyed;
      if (options.consistent && pattern.indexName !== undefined) {
        throw new RepositoryError(
          'validation',
          `${model.name}.${pattern.pattern} reads the secondary index ${pattern.indexName}: DynamoDB has no consistent reads on secondary indexes`,
          { entity: model.name },
        );
      }
      const startKey =
        options.cursor === undefined
          ? undefined
          : decodeCursor(options.cursor, [...new Set([...primary, pattern.pk.field, ...(pattern.sk ? [pattern.sk.field] : [])])]);
      // A cursor of another query (another partition or range) is refused, on both backends alike.
      if (startKey && !matchesKey(condition, startKey))
        throw new RepositoryError('validation', 'Invalid cursor: it belongs to another query', { entity: model.name });
      page = await storage.query({
        indexName: pattern.indexName,
        key: condition,
        ...(where ? { filter: where } : {}),
        ...(projection ? { projection } : {}),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(startKey ? { startKey } : {}),
        forward: options.order !== 'desc',
        ...(options.consistent ? { consistent: true } : {}),
      });
    }
  } catch (error) {
    throw mapped(error, model.name);
  }
  const excluded = keyed?.excludeEqual;
  const skField = keyed?.pattern.sk?.field;
  const items = page.items
    .filter((raw) => excluded === undefined || skField === undefined || raw[skField] !== excluded)
    .map((raw) => view(context, raw, options));
  return { items, cursor: page.lastKey ? encodeCursor(page.lastKey) : undefined };
}

export async function* paginate(
  context: EntityContext,
  query: QueryInput | undefined,
  options: ReadOptionsInput = {},
  /** Reads one page (the repository passes an observed read: one event per page). */
  read: (query: QueryInput | undefined, options: ReadOptionsInput) => Promise<{ items: Item[]; cursor: string | undefined }> = (pageQuery, pageOptions) =>
    readPage(context, pageQuery, pageOptions),
): AsyncGenerator<{ items: Item[]; cursor: string | undefined }> {
  let cursor = options.cursor;
  do {
    const page = await read(query, cursor !== undefined ? Object.assign({}, options, { cursor }) : options);
    if (page.items.length > 0) yield page;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

export async function readAll(context: EntityContext, query: QueryInput | undefined, options: ReadOptionsInput = {}): Promise<Item[]> {
  if (options.cursor !== undefined)
    throw new RepositoryError('validation', `${context.model.name}: query() reads every page; use page() with a cursor`, { entity: context.model.name });
  const items: Item[] = [];
  for await (const page of paginate(context, query, options)) items.push(...page.items);
  return dedupeMoved(context, items);
}
