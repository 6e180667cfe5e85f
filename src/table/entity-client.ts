import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapError, RepositoryError } from '../errors/index.ts';
import type { AccessPatternName, EntityDefinition, InferInput, InferItem, InferKey, InferPatternKey } from '../schema/index.ts';
import { exampleManagedFields } from '../schema/index.ts';
import { sendPage } from './paging.ts';
import type { ElectroEntity } from './electro.ts';

export interface QueryOptions {
  /** Page size (DynamoDB Limit). */
  limit?: number;
  /** Cursor from a previous page. */
  cursor?: string;
  /** Sort key order; default ascending. */
  order?: 'asc' | 'desc';
  /** Strongly consistent read (primary index only). */
  consistent?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Present when more items may follow. */
  cursor: string | undefined;
}

type Item = Record<string, unknown>;

/**
 * Typed, validated access to one entity: zod validation first, ElectroDB builds the request
 * (keys, conditions), and our DocumentClient sends it. The repository builds on this.
 */
export class EntityClient<E extends EntityDefinition> {
  constructor(
    readonly definition: E,
    readonly electro: ElectroEntity,
    readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Validates and stores an item, replacing any item with the same key. */
  async put(item: InferInput<E>): Promise<InferItem<E>> {
    return this.write(item, false);
  }

  /** Validates and stores a new item; `alreadyExists` if the key is taken. */
  async create(item: InferInput<E>): Promise<InferItem<E>> {
    return this.write(item, true);
  }

  async get(key: InferKey<E>, options: { consistent?: boolean } = {}): Promise<InferItem<E> | undefined> {
    const id = this.checkId(key);
    const params = this.electro.get(key as Item).params() as Record<string, unknown>;
    try {
      const result = await this.doc.send(new GetCommand({ ...(params as { TableName: string; Key: Item }), ConsistentRead: options.consistent ?? false }));
      return result.Item ? this.decode(result.Item) : undefined;
    } catch (error) {
      throw mapError(error, { entity: this.definition.name, id });
    }
  }

  /** Deletes by key; true when an item was deleted. */
  async delete(key: InferKey<E>): Promise<boolean> {
    const id = this.checkId(key);
    const params = this.electro.delete(key as Item).params() as { TableName: string; Key: Item };
    try {
      const result = await this.doc.send(new DeleteCommand({ ...params, ReturnValues: 'ALL_OLD' }));
      return result.Attributes !== undefined;
    } catch (error) {
      throw mapError(error, { entity: this.definition.name, id });
    }
  }

  /** One page of an access pattern: a Query on its index (never a Scan). */
  async query<P extends AccessPatternName<E>>(pattern: P, key: InferPatternKey<E, P>, options: QueryOptions = {}): Promise<Page<InferItem<E>>> {
    const template = this.definition.keys[pattern];
    if (!template) throw new RepositoryError('validation', `${this.definition.name} has no access pattern '${pattern}'`);
    const composites = key as Item;
    this.definition.checkKey(composites, [...template.pk, ...(template.sk ?? [])]);
    const missing = template.pk.filter((field) => composites[field] === undefined);
    if (missing.length > 0) throw RepositoryError.validation(this.definition.name, missing.map((field) => ({ path: [field], message: `required to query '${pattern}'` })));
    const queries = this.electro.query as Record<string, (key: Item) => { params(): Record<string, unknown> }>;
    const builder = queries[pattern];
    if (!builder) throw new RepositoryError('validation', `${this.definition.name} has no access pattern '${pattern}'`);
    const params = builder(composites).params();
    try {
      const page = await sendPage(this.doc, 'query', params, options);
      return { items: page.items.map((item) => this.decode(item)), cursor: page.cursor };
    } catch (error) {
      throw mapError(error, { entity: this.definition.name });
    }
  }

  /** Validates an item and returns the PutItem input ElectroDB builds for it (no request sent). */
  putParams(item: InferInput<E>, options: { ifAbsent?: boolean } = {}): { TableName: string; Item: Item } & Record<string, unknown> {
    const stored = this.definition.toStored(this.withManagedDefaults(item as Item));
    const builder = options.ifAbsent ? this.electro.create(stored) : this.electro.put(stored);
    return builder.params() as { TableName: string; Item: Item };
  }

  /** Turns a raw DynamoDB item of this entity into the typed item. */
  decode(raw: Item): InferItem<E> {
    const parsed = this.electro.parse({ Item: raw }) as { data: Item | null };
    return this.definition.fromStored(parsed.data ?? {}) as InferItem<E>;
  }

  private async write(item: InferInput<E>, ifAbsent: boolean): Promise<InferItem<E>> {
    const params = this.putParams(item, { ifAbsent });
    const id = this.idOf(params.Item);
    try {
      await this.doc.send(new PutCommand(params));
    } catch (error) {
      throw mapError(error, { entity: this.definition.name, id, conditionFailed: 'alreadyExists' });
    }
    return this.decode(params.Item);
  }

  /** New items get createdAt/updatedAt = now and version 1 unless the caller set them. */
  private withManagedDefaults(item: Item): Item {
    const { timestamps, versioned } = this.definition;
    if (!timestamps && !versioned) return item;
    const now = new Date().toISOString();
    const defaults = exampleManagedFields(timestamps, versioned);
    if (timestamps) Object.assign(defaults, { createdAt: now, updatedAt: now });
    return { ...defaults, ...item };
  }

  private idOf(item: Item): unknown {
    const fields = this.definition.idFields;
    if (fields.length === 1) return item[fields[0] as string];
    return Object.fromEntries(fields.map((field) => [field, item[field]]));
  }

  private checkId(key: InferKey<E>): unknown {
    const values = (key ?? {}) as Item;
    const id = this.idOf(values);
    const missing = this.definition.idFields.filter((field) => values[field] === undefined);
    if (missing.length > 0) throw RepositoryError.validation(this.definition.name, missing.map((field) => ({ path: [field], message: 'required in the key' })), id);
    this.definition.checkKey(values, this.definition.idFields, id);
    return id;
  }
}
