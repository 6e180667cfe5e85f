import { randomUUID } from 'node:crypto';
import { RepositoryError, type ValidationIssue } from '../errors/index.ts';
import { isMap, itemSize } from '../expression/index.ts';
import type { EntityDefinition } from '../schema/index.ts';
import type { RawItem } from '../storage/index.ts';
import type { KeyBuilder } from '../table/index.ts';

type Item = Record<string, unknown>;

/** DynamoDB's item size limit (attribute names and values, UTF-8), checked before sending. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** A number takes at most 21 bytes in DynamoDB (38 digits); a JavaScript number far fewer. */
const NUMBER_BOUND = 21;

/**
 * An upper bound of DynamoDB's size of a value (`itemSize` for an item, names included): a
 * UTF-16 code unit is at most 3 UTF-8 bytes, a number at most 21. Past `MAX_ITEM_BYTES` it stops
 * early; the caller then computes the exact size.
 */
function sizeBound(value: unknown, total: number): number {
  if (total > MAX_ITEM_BYTES) return total;
  if (typeof value === 'string') return total + 3 * value.length;
  if (typeof value === 'number') return total + NUMBER_BOUND;
  if (typeof value === 'boolean' || value === null || value === undefined) return total + 1;
  if (value instanceof Uint8Array) return total + value.byteLength;
  if (value instanceof Set || Array.isArray(value)) {
    let sum = total + 3;
    for (const element of value) sum = sizeBound(element, sum + 1);
    return sum;
  }
  if (typeof value === 'object') {
    let sum = total + 3;
    for (const name in value) sum = sizeBound((value as Item)[name], sum + 3 * name.length + 1);
    return sum;
  }
  // Anything else is refused by validation; let the exact computation decide.
  return MAX_ITEM_BYTES + 1;
}

/**
 * A copy to add properties to. Not `{ ...object }`: V8 is slow (microseconds) to add properties
 * to an object made by a spread. An own `__proto__` key (refused by validation) must stay a key,
 * which Object.assign would turn into the copy's prototype.
 */
const copyOf = (object: Item): Item => (Object.hasOwn(object, '__proto__') ? { ...object } : Object.assign({}, object));

/** Managed values for one write. */
export interface Managed {
  createdAt?: unknown;
  version?: unknown;
}

/**
 * One entity bound to a table: ids, keys, validation and encoding in one place, so every write
 * path (single, batch, transaction, outbox, in memory) prepares items the same way.
 */
export class EntityModel {
  readonly name: string;
  /** Every key attribute of the table (all indexes) plus ElectroDB's markers: stripped from reads. */
  private readonly stripped: ReadonlySet<string>;

  constructor(
    readonly definition: EntityDefinition,
    readonly keys: KeyBuilder,
    tableKeyFields: ReadonlySet<string>,
  ) {
    this.name = definition.name;
    this.stripped = new Set([...tableKeyFields, '__edb_e__', '__edb_v__']);
  }

  /** The id of an item, in the entity's id form (plain value for one attribute, else an object). */
  idOf(item: Item): unknown {
    const [only, ...more] = this.definition.idFields;
    return only !== undefined && more.length === 0 ? item[only] : Object.fromEntries(this.definition.idFields.map((field) => [field, item[field]]));
  }

  /** The key attributes of an id, validated. */
  idValues(id: unknown): Item {
    const fields = this.definition.idFields;
    const [only, ...more] = fields;
    let values: Item;
    if (only !== undefined && more.length === 0) {
      if (typeof id === 'object' && id !== null && !(id instanceof Date)) {
        throw RepositoryError.validation(this.name, [{ path: [only], message: `the id of ${this.name} is a plain value, not an object` }], id);
      }
      values = { [only]: id };
    } else {
      if (!isMap(id)) throw RepositoryError.validation(this.name, [{ path: [], message: `the id of ${this.name} is an object with ${fields.join(', ')}` }], id);
      values = Object.fromEntries(fields.map((field) => [field, id[field]]));
      const extra = Object.keys(id).filter((field) => !fields.includes(field));
      if (extra.length > 0)
        throw RepositoryError.validation(
          this.name,
          extra.map((field) => ({ path: [field], message: `not part of the id (${fields.join(', ')})` })),
          id,
        );
    }
    const missing: ValidationIssue[] = fields
      .filter((field) => values[field] === undefined || values[field] === null)
      .map((field) => ({ path: [field], message: 'required in the id' }));
    if (missing.length > 0) throw RepositoryError.validation(this.name, missing, id);
    this.keys.check(values, fields, id);
    return values;
  }

  /** The table's primary key for an id. */
  rawKey(id: unknown): RawItem {
    return this.keys.primaryKey(this.idValues(id));
  }

  /** A stable string for an id, for maps and duplicate detection. */
  idKey(values: Item): string {
    return JSON.stringify(this.definition.idFields.map((field) => this.keys.format(field, values[field])));
  }

  /** The id values back from `idKey` (a claim's owner). */
  ownerValues(owner: string): Item {
    const parsed: unknown = JSON.parse(owner);
    const parts = Array.isArray(parsed) ? parsed : [];
    return Object.fromEntries(
      this.definition.idFields.map((field, index) => {
        const text = String(parts[index]);
        const kind = this.definition.fields[field]?.kind;
        return [field, kind === 'number' ? Number(text) : kind === 'date' ? new Date(text) : text];
      }),
    );
  }

  /** Puts the id's attributes into the object; a different value already in the object is an error. */
  withId(id: unknown, object: unknown): Item {
    const values = this.idValues(id);
    if (!isMap(object)) throw RepositoryError.validation(this.name, [{ path: [], message: 'the object must be an object' }], id);
    const merged: Item = copyOf(object);
    for (const [field, value] of Object.entries(values)) {
      if (merged[field] !== undefined && this.keys.format(field, merged[field]) !== this.keys.format(field, value)) {
        throw RepositoryError.validation(this.name, [{ path: [field], message: `does not match the id (${JSON.stringify(value)})` }], id);
      }
      merged[field] = value;
    }
    return merged;
  }

  /**
   * Validates a whole item and returns it as stored: defaults applied, dates as ISO strings,
   * managed fields set, every index key built, within DynamoDB's size limit.
   */
  prepare(object: unknown, managed: Managed, now: string): { stored: Item; raw: RawItem; id: unknown } {
    if (!isMap(object)) {
      throw RepositoryError.validation(this.name, [
        { path: [], message: `expected an object, received ${object === null ? 'null' : Array.isArray(object) ? 'an array' : typeof object}` },
      ]);
    }
    const stamped: Item = copyOf(object);
    const { timestamps, versioned } = this.definition;
    if (timestamps) {
      stamped.createdAt = managed.createdAt ?? now;
      stamped.updatedAt = now;
    }
    if (versioned) stamped.version = managed.version ?? 1;
    const id = this.idOf(stamped);
    const stored = this.definition.toStored(stamped, id);
    this.keys.check(stored, this.definition.keyFields, id);
    // Keys written into a copy (spreading both would take V8 microseconds).
    const raw = this.keys.itemKeys(stored, Object.assign({}, stored));
    this.checkSize(raw, id);
    return { stored, raw, id };
  }

  checkSize(raw: RawItem, id: unknown): void {
    const issues = this.keys.keyLengthIssues(raw);
    // The exact size (UTF-8 lengths, decimal digits) only when a cheap upper bound leaves doubt.
    const bytes = sizeBound(raw, 0) > MAX_ITEM_BYTES ? itemSize(raw) : 0;
    if (bytes > MAX_ITEM_BYTES) issues.push({ path: [], message: `the item is ${bytes} bytes; DynamoDB's limit is ${MAX_ITEM_BYTES}` });
    if (issues.length > 0) throw RepositoryError.validation(this.name, issues, id);
  }

  /** The stored attributes of a raw item (keys and markers removed), before decoding. */
  strip(raw: RawItem): Item {
    const item: Item = {};
    // Undefined attributes are not stored (the DocumentClient drops them): leave them out here too.
    for (const name in raw) if (!this.stripped.has(name) && raw[name] !== undefined) item[name] = raw[name];
    return item;
  }

  /** A raw item as the caller sees it: decoded (dates, sets), hidden attributes left out unless included. */
  decode(raw: RawItem, include: readonly string[] = []): Item {
    const item = this.definition.fromStored(this.strip(raw));
    for (const hidden of this.definition.hiddenFields) if (!include.includes(hidden)) delete item[hidden];
    return item;
  }

  /** What the change log records of an item: its stored attributes (dates as ISO strings), hidden ones left out. */
  changeData(raw: RawItem): Item {
    const item = this.strip(raw);
    for (const hidden of this.definition.hiddenFields) delete item[hidden];
    return item;
  }

  /** Fresh values for the id attributes the caller left out (composite keys: the caller gives the partition). */
  freshId(object: Item): unknown {
    const { primary } = this.definition.keys;
    const sk = primary.sk ?? [];
    const generated = (sk.length > 0 ? sk : primary.pk).filter((field) => object[field] === undefined);
    const givenPartition = sk.length > 0 ? primary.pk : primary.pk.filter((field) => !generated.includes(field));
    const missingPartition = sk.length > 0 ? primary.pk.filter((field) => object[field] === undefined) : [];
    if (missingPartition.length > 0) {
      throw RepositoryError.validation(
        this.name,
        missingPartition.map((field) => ({ path: [field], message: 'the partition key is not generated: give it in the object' })),
      );
    }
    const values: Item = {};
    for (const field of [...givenPartition, ...(sk.length > 0 ? sk : [])]) if (object[field] !== undefined) values[field] = object[field];
    for (const field of generated) {
      if (this.definition.fields[field]?.kind !== 'string')
        throw new RepositoryError('validation', `${this.name} cannot generate '${field}': only string id attributes get a UUID`, { entity: this.name });
      values[field] = randomUUID();
    }
    return this.idOf(values);
  }
}
