import { RepositoryError, TransactionCancelledError } from '../errors/index.ts';
import { and, evaluate, isMap, type Condition } from '../expression/index.ts';
import { SchemaDefinitionError, type EntityDefinition } from '../schema/index.ts';
import type { RawItem, RawPage } from '../storage/index.ts';
import { buildElectro, defineTableLayout, KeyBuilder, type TableLayout } from '../table/index.ts';
import { conditionOf } from './conditions.ts';
import type { EntityContext } from './context.ts';
import { EntityModel } from './model.ts';
import { mapped, toTransactItem, type Operation } from './operations.ts';
import { snapshotCondition } from './replace.ts';
import { keyQuery } from './sort-key.ts';
import { checkReadOptions, encodeCursor, view } from './support.ts';
import { claimOperations } from './unique.ts';

type Item = Record<string, unknown>;

/** An entity's previous version and how its items become the current one (a migration step satisfies it). */
export interface PreviousVersion {
  readonly from: EntityDefinition;
  readonly to: EntityDefinition;
  up(item: Item): unknown;
}

/** Every key attribute of a table layout (all indexes). */
export const tableKeyFieldsOf = (layout: TableLayout) => new Set(Object.values(layout.indexes).flatMap((index) => [index.pk, ...(index.sk ? [index.sk] : [])]));

/**
 * The model of a definition that is not (or no longer) in the table, keyed as the table would
 * key it: same indexes, same service. For an entity's previous versions and migration steps.
 */
export function modelFor(layout: TableLayout, definition: EntityDefinition): EntityModel {
  const single = defineTableLayout({
    name: layout.name,
    service: layout.service,
    indexes: layout.indexes,
    ttlAttribute: definition.ttl ?? layout.ttlAttribute ?? false,
    streams: false,
    entities: { [definition.name]: definition },
  });
  const electro = buildElectro(single, layout.name).entities[definition.name];
  if (!electro) throw new Error(`ElectroDB has no model of ${definition.name}`);
  const keys = new KeyBuilder(
    definition,
    single.patterns.filter((pattern) => pattern.entity === definition.name),
    electro,
  );
  return new EntityModel(definition, keys, tableKeyFieldsOf(layout));
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/** How a stored item of `from` becomes an item of `to`: decoded, `up()`, validated, keys built. */
export class Upgrade {
  constructor(
    readonly from: EntityModel,
    readonly to: EntityModel,
    private readonly up: (item: Item) => unknown,
  ) {
    const [a, b] = [from.definition.keys.primary, to.definition.keys.primary];
    if (!sameList(a.pk, b.pk) || !sameList(a.sk, b.sk)) {
      throw new SchemaDefinitionError(
        `${to.name} v${from.definition.version} → v${to.definition.version}: the primary key changes (${[...a.pk, ...(a.sk ?? [])].join(', ')} → ${[...b.pk, ...(b.sk ?? [])].join(', ')}); a migration cannot change an item's identity`,
      );
    }
  }

  /** The item as `up()` receives it: every attribute (hidden ones included), dates as Dates. */
  decodeOld(raw: RawItem): Item {
    return this.from.definition.fromStored(this.from.strip(raw));
  }

  /**
   * The new raw item for an old one: `createdAt`, `updatedAt` and `version` are kept (a migration
   * is not an application write). A throwing `up()`, an invalid result or a changed id is a
   * `validation` error naming the item.
   */
  apply(raw: RawItem): { raw: RawItem; stored: Item; id: unknown } {
    const old = this.decodeOld(raw);
    const id = this.from.idOf(old);
    let result: unknown;
    try {
      result = this.up(structuredClone(old));
    } catch (error) {
      throw new RepositoryError('validation', `${this.to.name} ${JSON.stringify(id)}: up() threw: ${error instanceof Error ? error.message : String(error)}`, {
        id,
        entity: this.to.name,
        cause: error,
        issues: [{ path: [], message: `up() threw: ${error instanceof Error ? error.message : String(error)}` }],
      });
    }
    if (!isMap(result)) throw RepositoryError.validation(this.to.name, [{ path: [], message: 'up() must return an object' }], id);
    const object: Item = { ...result };
    const { fields, timestamps, versioned } = this.to.definition;
    // Managed fields the new version does not have are left out (its schema is strict).
    for (const name of ['createdAt', 'updatedAt', 'version']) if (!(name in fields)) delete object[name];
    const managed = {
      createdAt: timestamps ? (old.createdAt ?? object.createdAt) : undefined,
      version: versioned ? (old.version ?? object.version ?? 1) : undefined,
    };
    const updatedAt = typeof old.updatedAt === 'string' ? old.updatedAt : new Date().toISOString();
    const prepared = this.to.prepare(object, managed, updatedAt);
    if (this.to.idKey(prepared.stored) !== this.from.idKey(old)) {
      throw RepositoryError.validation(
        this.to.name,
        this.to.definition.idFields.map((field) => ({ path: [field], message: `up() changed the item's identity (was ${JSON.stringify(id)})` })),
        id,
      );
    }
    return prepared;
  }

  /** The condition that the old item is still as read: its version, else every attribute. */
  unchanged(raw: RawItem): Condition {
    // The key holds the version marker; a versioned item changes its `version` with every write.
    if (this.from.definition.versioned && raw.version !== undefined) return { kind: 'compare', name: 'version', op: '=', value: raw.version };
    return snapshotCondition(this.from, raw);
  }
}

/** The primary key attributes of a stored item. */
export function primaryKeyOf(model: EntityModel, raw: RawItem): RawItem {
  const { pk, sk } = model.keys.primary;
  return { [pk.field]: raw[pk.field], ...(sk ? { [sk.field]: raw[sk.field] } : {}) };
}

/** Why one item's move failed. */
export type MoveFailure = 'exists' | 'changed' | 'duplicate';

/**
 * The writes that move one item to the new version, for ONE transaction: put the new item
 * (never over an existing one: an application write of the new version wins), delete the old one
 * only if it is unchanged since it was read, and move unique claims when a value changed.
 */
export function moveOperations(upgrade: Upgrade, claims: EntityModel | undefined, oldRaw: RawItem): { operations: Operation[]; newRaw: RawItem; id: unknown } {
  const { raw: newRaw, stored, id } = upgrade.apply(oldRaw);
  const { to, from } = upgrade;
  const failure = (reason: MoveFailure) =>
    new RepositoryError('conflict', `${to.name} ${JSON.stringify(id)}: ${reason}`, { id, entity: to.name, cause: reason });
  const operations: Operation[] = [
    {
      entity: to.name,
      id,
      write: { kind: 'put', key: to.keys.primaryKey(stored), item: newRaw },
      guards: [{ condition: { kind: 'notExists', name: to.keys.primary.pk.field }, error: () => failure('exists') }],
    },
    {
      entity: to.name,
      id,
      write: { kind: 'delete', key: primaryKeyOf(from, oldRaw) },
      guards: [{ condition: upgrade.unchanged(oldRaw), error: () => failure('changed') }],
    },
  ];
  const claimWrites = claimOperations(to, claims, stored, from.strip(oldRaw), stored).map((operation) => ({
    ...operation,
    guards: operation.guards.map((guard) => ({ ...guard, error: () => failure('duplicate') })),
  }));
  return { operations: [...operations, ...claimWrites], newRaw, id };
}

/** The reason a move failed, from the error its guard produced. */
export const moveFailure = (error: unknown): MoveFailure | undefined => {
  const cause = error instanceof RepositoryError ? error.cause : undefined;
  return cause === 'exists' || cause === 'changed' || cause === 'duplicate' ? cause : undefined;
};

/** Why a move's operation failed on the item as it was (DynamoDB returns it with the cancellation). */
export function failureOf(operation: Operation, stored: RawItem | undefined, returned = true): MoveFailure {
  // Without the item (itemsOnFailure: false), an operation with one guard failed by that guard.
  const [only, ...more] = operation.guards;
  const guard = !returned && more.length === 0 ? only : operation.guards.find((candidate) => !evaluate(candidate.condition, stored ?? {}));
  return (guard && moveFailure(guard.error(stored))) ?? 'changed';
}

/**
 * Moves one item of the previous version to the current one now (before a single-item write
 * during a migration). False when there is no old item. When an item of the new version
 * already exists, it wins and the old one is deleted.
 */
export async function promote(context: EntityContext, id: unknown): Promise<boolean> {
  const upgrade = context.previous;
  if (!upgrade || id === undefined) return false;
  const { storage } = context;
  const oldKey = upgrade.from.rawKey(id);
  for (let attempt = 0; attempt < 5; attempt++) {
    const oldRaw = await storage.get({ key: oldKey, consistent: true }).catch((error: unknown) => {
      throw mapped(error, context.model.name, id);
    });
    if (!oldRaw) return false;
    const { operations } = moveOperations(upgrade, context.claims, oldRaw);
    try {
      await storage.transactWrite(operations.map(toTransactItem));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw mapped(error, context.model.name, id);
      const index = error.reasons.findIndex((reason) => reason.code === 'ConditionalCheckFailed');
      const operation = operations[index];
      const reason = operation ? failureOf(operation, error.reasons[index]?.item) : 'changed';
      if (reason === 'duplicate')
        throw new RepositoryError('duplicate', `${context.model.name} ${JSON.stringify(id)}: a unique value of its new version is taken`, {
          id,
          entity: context.model.name,
        });
      if (reason === 'exists') {
        // The new version was written by the application: it wins, the old item goes.
        await storage.delete({ key: oldKey, condition: upgrade.unchanged(oldRaw) }).catch(() => undefined);
        return true;
      }
    }
  }
  throw new RepositoryError('conflict', `${context.model.name} ${JSON.stringify(id)} kept changing while it was moved to the new version`, {
    id,
    entity: context.model.name,
  });
}

/** The id's item at the previous version, upgraded (undefined when absent there too); read new → old → new, so a concurrent move is never missed. */
export async function getPrevious(context: EntityContext, id: unknown, consistent: boolean): Promise<RawItem | undefined> {
  const upgrade = context.previous;
  if (!upgrade) return undefined;
  const old = await context.storage.get({ key: upgrade.from.rawKey(id), consistent });
  if (old) return upgrade.apply(old).raw;
  // Moved between the two reads: it is at the new key now.
  return context.storage.get({ key: context.model.rawKey(id), consistent });
}

/** getMany's missing ids, read at the previous version (and again at the new one). */
export async function getManyPrevious(context: EntityContext, ids: readonly Item[], consistent: boolean): Promise<RawItem[]> {
  const upgrade = context.previous;
  if (!upgrade || ids.length === 0) return [];
  const old = await context.storage.batchGet(
    ids.map((values) => upgrade.from.keys.primaryKey(values)),
    consistent,
  );
  const found = old.map((raw) => upgrade.apply(raw).raw);
  const seen = new Set(found.map((raw) => context.model.idKey(raw)));
  const rest = ids.filter((values) => !seen.has(context.model.idKey(values)));
  const moved =
    rest.length > 0
      ? await context.storage.batchGet(
          rest.map((values) => context.model.keys.primaryKey(values)),
          consistent,
        )
      : [];
  return [...found, ...moved];
}

const PREVIOUS = '__previous';

/** Where a page of a migrating entity is: in the previous version's items, or in the new ones. */
export function previousPhase(
  cursor: string | undefined,
): { phase: 'previous'; startKey: RawItem | undefined } | { phase: 'current'; cursor: string | undefined } {
  if (cursor === undefined) return { phase: 'previous', startKey: undefined };
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return { phase: 'current', cursor };
  }
  if (!isMap(key) || !(PREVIOUS in key)) return { phase: 'current', cursor };
  if (key[PREVIOUS] === 'end') return { phase: 'current', cursor: undefined };
  const { [PREVIOUS]: _marker, ...startKey } = key;
  return { phase: 'previous', startKey };
}

/**
 * One page of the previous version's items for a query (or a Scan), upgraded. `where` is
 * evaluated on the upgraded item; the cursor continues this phase, then the new version's.
 * Undefined when the previous version has no such access pattern (only moved items match it).
 */
export async function readPreviousPage(
  context: EntityContext,
  query: { pattern?: string | undefined; key?: unknown } | undefined,
  options: { where?: unknown; limit?: number; order?: 'asc' | 'desc'; consistent?: boolean; attributes?: readonly string[]; include?: readonly string[] },
  startKey: RawItem | undefined,
): Promise<{ items: Item[]; cursor: string | undefined } | undefined> {
  const upgrade = context.previous;
  if (!upgrade) return undefined;
  checkReadOptions(context, options, false);
  const where = conditionOf(context.model.definition, options.where, 'where');
  const from = upgrade.from;
  let page: RawPage;
  try {
    if (query?.pattern === undefined) {
      page = await context.storage.scan({
        filter: and(
          { kind: 'compare', name: '__edb_e__', op: '=', value: from.name },
          { kind: 'compare', name: '__edb_v__', op: '=', value: String(from.definition.version) },
        ),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(startKey ? { startKey } : {}),
        ...(options.consistent ? { consistent: true } : {}),
      });
    } else {
      const current = context.model.keys.pattern(query.pattern);
      const previous = from.keys.patterns.get(query.pattern);
      if (!previous || previous.index !== current.index || !sameList(previous.composites, current.composites)) return undefined;
      const keyed = keyQuery(from, query.pattern, query.key);
      if (keyed.empty) return undefined;
      page = await context.storage.query({
        indexName: keyed.pattern.indexName,
        key: keyed.condition,
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(startKey ? { startKey } : {}),
        forward: options.order !== 'desc',
        ...(options.consistent ? { consistent: true } : {}),
      });
      const excluded = keyed.excludeEqual;
      const skField = keyed.pattern.sk?.field;
      if (excluded !== undefined && skField !== undefined) page = { ...page, items: page.items.filter((raw) => raw[skField] !== excluded) };
    }
  } catch (error) {
    throw mapped(error, context.model.name);
  }
  const items = page.items
    .map((raw) => upgrade.apply(raw).raw)
    .filter((raw) => !where || evaluate(where, raw))
    .map((raw) => view(context, raw, options));
  return { items, cursor: encodeCursor(page.lastKey ? { ...page.lastKey, [PREVIOUS]: '1' } : { [PREVIOUS]: 'end' }) };
}

/** query() over both versions: an item moved between the two phases is kept once (its new version). */
export function dedupeMoved(context: EntityContext, items: Item[]): Item[] {
  const { idFields } = context.model.definition;
  if (!context.previous || items.some((item) => idFields.some((field) => item[field] === undefined))) return items;
  const last = new Map<string, number>();
  items.forEach((item, index) => last.set(context.model.idKey(item), index));
  return items.filter((item, index) => last.get(context.model.idKey(item)) === index);
}
