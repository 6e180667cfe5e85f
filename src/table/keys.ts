import { RepositoryError, type ValidationIssue } from '../errors/index.ts';
import type { KeyCondition } from '../expression/index.ts';
import { NUMBER_KEY_DIGITS, type EntityDefinition } from '../schema/index.ts';
import type { ResolvedPattern } from './define-table.ts';
import type { ElectroEntity } from './electro.ts';

/** DynamoDB's limits for key values, in UTF-8 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;

/** ElectroDB's recipe for one key attribute: a prefix, then `#label_value` per composite. */
export interface KeyPart {
  readonly field: string;
  readonly prefix: string;
  readonly composites: readonly { readonly name: string; readonly label: string }[];
}

export interface PatternKeys {
  readonly pattern: string;
  /** Logical index (`primary`, `gsi1`, ...); the DynamoDB IndexName is undefined for `primary`. */
  readonly index: string;
  readonly indexName: string | undefined;
  readonly pk: KeyPart;
  readonly sk: KeyPart | undefined;
  /** Every composite of the pattern, pk first. */
  readonly composites: readonly string[];
}

/** One bound on the last given sort-key composite of a query. */
export type SortBound =
  | { readonly op: 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'beginsWith'; readonly value: unknown }
  | { readonly op: 'between'; readonly value: unknown; readonly high: unknown };

type Item = Record<string, unknown>;

/** The next string after every string that starts with `prefix` (its last character incremented). */
const after = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/**
 * Key builders compiled once per entity from ElectroDB's own model (prefixes, labels, padding):
 * ElectroDB stays the one definition of key formats, and building a key is string joining
 * instead of a full `.params()` call. Tests check them against ElectroDB for random inputs.
 */
export class KeyBuilder {
  readonly patterns: ReadonlyMap<string, PatternKeys>;
  readonly primary: PatternKeys;
  /** Every physical key attribute this entity writes, plus ElectroDB's identity markers. */
  readonly keyFields: ReadonlySet<string>;
  private readonly forbidden = new Map<string, string[]>();

  constructor(
    readonly entity: EntityDefinition,
    patterns: readonly ResolvedPattern[],
    electro: ElectroEntity,
  ) {
    const model = (electro as unknown as { model: ElectroModelInternals }).model;
    const compiled = new Map<string, PatternKeys>();
    const keyFields = new Set(['__edb_e__', '__edb_v__']);
    for (const resolved of patterns) {
      const index = model.translations.indexes.fromAccessPatternToIndex[resolved.pattern] ?? '';
      const prefixes = model.prefixes[index];
      const labels = model.facets.labels[index];
      if (!prefixes || !labels) throw new Error(`ElectroDB has no index for ${entity.name}.${resolved.pattern}`);
      const pk: KeyPart = { field: resolved.keys.pk, prefix: prefixes.pk.prefix, composites: labels.pk };
      const sk: KeyPart | undefined = resolved.keys.sk
        ? { field: resolved.keys.sk, prefix: prefixes.sk?.prefix ?? '', composites: labels.sk ?? [] }
        : undefined;
      compiled.set(resolved.pattern, {
        pattern: resolved.pattern,
        index: resolved.index,
        indexName: resolved.indexName,
        pk,
        sk,
        composites: [...pk.composites, ...(sk?.composites ?? [])].map((composite) => composite.name),
      });
      keyFields.add(pk.field);
      if (sk) keyFields.add(sk.field);
      // A value containing `#<label>_` of another composite of the same key could forge another tuple's key.
      for (const part of [pk, sk]) {
        if (!part || part.composites.length < 2) continue;
        for (const { name } of part.composites) {
          const list = this.forbidden.get(name) ?? [];
          for (const { label } of part.composites) if (!list.includes(`#${label}_`)) list.push(`#${label}_`);
          this.forbidden.set(name, list);
        }
      }
    }
    const primary = compiled.get('primary');
    if (!primary) throw new Error(`${entity.name} has no primary key`);
    this.primary = primary;
    this.patterns = compiled;
    this.keyFields = keyFields;
  }

  pattern(name: string): PatternKeys {
    const pattern = this.patterns.get(name);
    if (!pattern) throw new RepositoryError('validation', `${this.entity.name} has no access pattern '${name}'`, { entity: this.entity.name });
    return pattern;
  }

  /** A composite value as it appears in a key: numbers zero-padded, dates as ISO strings. */
  format(_name: string, value: unknown): string {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'number') return String(value).padStart(NUMBER_KEY_DIGITS, '0');
    return String(value);
  }

  /** Problems with composite values before they go into a key (type, emptiness, forging, UTF-16). */
  issues(values: Item, names: readonly string[]): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    for (const name of names) {
      const value = values[name];
      if (value === undefined) continue;
      const kind = this.entity.fields[name]?.kind;
      if (kind === 'number') {
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
          issues.push({ path: [name], message: 'key numbers must be non-negative safe integers' });
      } else if (kind === 'date') {
        // A Date from the caller, or the ISO string of a stored item.
        const time = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
        if (Number.isNaN(time)) issues.push({ path: [name], message: 'expected a valid Date' });
      } else if (typeof value !== 'string') {
        issues.push({ path: [name], message: `key values must be strings, received ${value === null ? 'null' : typeof value}` });
      } else if (value.length === 0) {
        issues.push({ path: [name], message: 'key values cannot be empty' });
      } else if (!value.isWellFormed()) {
        issues.push({ path: [name], message: 'contains a lone UTF-16 surrogate (not valid Unicode)' });
      } else {
        const sequence = this.forbidden.get(name)?.find((candidate) => value.includes(candidate));
        if (sequence) issues.push({ path: [name], message: `key values cannot contain '${sequence}' (it separates the parts of a key)` });
      }
    }
    return issues;
  }

  /** Throws a validation error naming each bad composite. */
  check(values: Item, names: readonly string[], id?: unknown): void {
    const issues = this.issues(values, names);
    if (issues.length > 0) throw RepositoryError.validation(this.entity.name, issues, id);
  }

  /** The key string; a missing composite is a validation error naming it. */
  required(part: KeyPart, values: Item): string {
    const key = this.build(part, values);
    if (key === undefined) {
      const missing = part.composites.filter(({ name }) => values[name] === undefined || values[name] === null);
      throw RepositoryError.validation(
        this.entity.name,
        missing.map(({ name }) => ({ path: [name], message: 'required to build the key' })),
      );
    }
    return key;
  }

  /** The full key string, or undefined when a composite is missing. */
  build(part: KeyPart, values: Item): string | undefined {
    let key = part.prefix;
    for (const { name, label } of part.composites) {
      const value = values[name];
      if (value === undefined || value === null) return undefined;
      key += `#${label}_${this.format(name, value)}`;
    }
    return key;
  }

  /** The key of the first `count` composites, ending with the next composite's label (ElectroDB's partial key). */
  private partial(part: KeyPart, values: Item, count: number): string {
    let key = part.prefix;
    part.composites.forEach(({ name, label }, index) => {
      if (index < count) key += `#${label}_${this.format(name, values[name])}`;
      else if (index === count) key += `#${label}_`;
    });
    return key;
  }

  /** The table's primary key of an item or id. */
  primaryKey(values: Item): Item {
    const pk = this.build(this.primary.pk, values);
    const sk = this.primary.sk ? this.build(this.primary.sk, values) : undefined;
    if (pk === undefined || (this.primary.sk && sk === undefined)) {
      throw RepositoryError.validation(
        this.entity.name,
        this.primary.composites.filter((name) => values[name] === undefined).map((name) => ({ path: [name], message: 'required in the key' })),
      );
    }
    // Plain stores: a literal with computed keys and a spread takes V8's slow object-building path.
    const key: Item = {};
    key[this.primary.pk.field] = pk;
    if (this.primary.sk) key[this.primary.sk.field] = sk;
    return key;
  }

  /**
   * Every key attribute of a stored item: the primary key, and each part (pk, sk) of a
   * secondary index whose composites are all present. An index is sparse: an item is in it
   * only when both parts are there, i.e. when every composite is present. Written into `into`
   * (a copy of the item, for a whole stored item in one object).
   */
  itemKeys(item: Item, into: Item = {}): Item {
    const keys = into;
    const primary = this.primaryKey(item);
    for (const field in primary) keys[field] = primary[field];
    for (const pattern of this.patterns.values()) {
      if (pattern.index === 'primary') continue;
      for (const part of [pattern.pk, pattern.sk]) {
        const value = part ? this.build(part, item) : undefined;
        if (part && value !== undefined) keys[part.field] = value;
      }
    }
    keys.__edb_e__ = this.entity.name;
    keys.__edb_v__ = String(this.entity.version);
    return keys;
  }

  /** Length checks DynamoDB applies to key values, done before anything is sent. */
  keyLengthIssues(keys: Item): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    for (const pattern of this.patterns.values()) {
      for (const [part, limit] of [
        [pattern.pk, MAX_PARTITION_KEY_BYTES],
        [pattern.sk, MAX_SORT_KEY_BYTES],
      ] as const) {
        const value = part ? keys[part.field] : undefined;
        // A UTF-16 code unit is at most 3 UTF-8 bytes: most keys need no exact count.
        if (typeof value === 'string' && value.length * 3 > limit && Buffer.byteLength(value) > limit) {
          issues.push({
            path: part?.composites.map((c) => c.name) ?? [],
            message: `the ${part === pattern.pk ? 'partition' : 'sort'} key of '${pattern.pattern}' is ${Buffer.byteLength(value)} bytes; DynamoDB allows ${limit}`,
          });
        }
      }
    }
    return issues;
  }

  /**
   * The KeyConditionExpression of a query: every pk composite, the first sort-key composites
   * by equality, and optionally a bound on the next one. Always bounded to this entity's keys,
   * so other entities sharing the partition are never read.
   */
  keyCondition(pattern: PatternKeys, values: Item, equalCount: number, bound?: SortBound): { condition: KeyCondition; excludeEqual?: string } {
    const pk = this.build(pattern.pk, values);
    if (pk === undefined)
      throw new RepositoryError('validation', `${this.entity.name}.${pattern.pattern}: every partition key attribute is required`, {
        entity: this.entity.name,
      });
    const sk = pattern.sk;
    if (!sk) return { condition: { pk: { name: pattern.pk.field, value: pk } } };
    const total = sk.composites.length;
    const field = sk.field;
    if (!bound) {
      if (equalCount === total)
        return { condition: { pk: { name: pattern.pk.field, value: pk }, sk: { name: field, op: '=', value: this.partial(sk, values, total) } } };
      return { condition: { pk: { name: pattern.pk.field, value: pk }, sk: { name: field, op: 'beginsWith', value: this.partial(sk, values, equalCount) } } };
    }
    const at = equalCount; // the composite the bound applies to
    const name = sk.composites[at]?.name ?? '';
    const last = at === total - 1;
    const base = this.partial(sk, values, at); // ...#label_ of the bounded composite
    const keyFor = (value: unknown) => this.partial(sk, { ...values, [name]: value }, at + 1); // all keys with that value start with it
    const upper = after(base); // just past every key of this entity with these leading composites
    const make = (op: KeyCondition['sk']) => ({ pk: { name: pattern.pk.field, value: pk }, sk: op });
    switch (bound.op) {
      case 'eq':
        return { condition: make(last ? { name: field, op: '=', value: keyFor(bound.value) } : { name: field, op: 'beginsWith', value: keyFor(bound.value) }) };
      case 'beginsWith':
        return { condition: make({ name: field, op: 'beginsWith', value: base + this.format(name, bound.value) }) };
      case 'gte':
        return { condition: make({ name: field, op: 'between', value: keyFor(bound.value), high: upper }) };
      case 'gt':
        // Past every key with this value: the value's keys end in `#next_...` (or nothing on the last composite).
        return { condition: make({ name: field, op: 'between', value: last ? `${keyFor(bound.value)}\u0000` : after(keyFor(bound.value)), high: upper }) };
      case 'lte':
        return { condition: make({ name: field, op: 'between', value: base, high: last ? keyFor(bound.value) : after(keyFor(bound.value)) }) };
      case 'lt':
        // The last composite's key is a whole key: BETWEEN includes it, so the exact key is dropped from the page.
        return last
          ? { condition: make({ name: field, op: 'between', value: base, high: keyFor(bound.value) }), excludeEqual: keyFor(bound.value) }
          : { condition: make({ name: field, op: 'between', value: base, high: keyFor(bound.value) }) };
      case 'between':
        return { condition: make({ name: field, op: 'between', value: keyFor(bound.value), high: last ? keyFor(bound.high) : after(keyFor(bound.high)) }) };
    }
  }
}

/** The parts of ElectroDB's compiled model that define key formats. */
interface ElectroModelInternals {
  prefixes: Record<string, { pk: { prefix: string }; sk?: { prefix: string } }>;
  facets: { labels: Record<string, { pk: { name: string; label: string }[]; sk?: { name: string; label: string }[] }> };
  translations: { indexes: { fromAccessPatternToIndex: Record<string, string> } };
}
