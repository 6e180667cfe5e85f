import { entityKeysOf } from '../docs/index.ts';
import type { BoundTable, Repository } from '../entity/index.ts';
import type { EntityDefinition, KeyTemplate } from '../schema/index.ts';
import type { KeyBuilder, PatternKeys, ResolvedPattern } from '../table/index.ts';

export type Item = Record<string, unknown>;

export interface PageOptions {
  limit?: number;
  cursor?: string;
  order?: 'asc' | 'desc';
  consistent?: boolean;
  include?: readonly string[];
  attributes?: readonly string[];
}

/**
 * The entity API with inputs built at runtime: the studio reads ids, keys and items from forms
 * and URLs of ANY table, and the API validates them like any other input. This is the one place
 * where those runtime values meet the API's inferred types.
 */
export interface GenericApi {
  get(id: unknown, include: readonly string[]): Promise<Item>;
  page(query: { pattern: string; key: Item } | undefined, options: PageOptions): Promise<{ items: Item[]; cursor: string | undefined }>;
  create(item: Item): Promise<Item>;
  save(item: Item): Promise<Item>;
  delete(id: unknown): Promise<void>;
}

function genericApi(api: Repository<EntityDefinition>): GenericApi {
  return {
    get: (id, include) => api.get(id as never, { include: include as never }),
    page: (query, options) => api.page(query as never, options as never),
    create: (item) => api.create(item as never),
    save: (item) => api.save(item as never),
    delete: (id) => api.delete(id as never),
  };
}

export interface PatternInfo {
  readonly entity: string;
  readonly name: string;
  /** Logical index (`primary`, `gsi1`, …). */
  readonly index: string;
  readonly keys: PatternKeys;
  readonly template: KeyTemplate;
  readonly pkFields: readonly string[];
  readonly skFields: readonly string[];
}

export interface EntityInfo {
  readonly name: string;
  readonly definition: EntityDefinition;
  readonly api: GenericApi;
  readonly keys: KeyBuilder;
  /** Access patterns in declaration order (primary first). */
  readonly patterns: readonly PatternInfo[];
}

export interface IndexInfo {
  readonly name: string;
  readonly pk: string;
  readonly sk: string | undefined;
  readonly patterns: readonly PatternInfo[];
}

/** An entity, pattern or index the URL names and the table does not have: a 404 page. */
export class NotFound extends Error {
  override readonly name = 'NotFound';
}

/** What the studio knows about the table: entities, patterns, indexes and collections, by name. */
export class Catalog {
  readonly entities: readonly EntityInfo[];
  readonly indexes: readonly IndexInfo[];
  readonly collections: ReadonlyMap<string, readonly PatternInfo[]>;

  constructor(readonly table: BoundTable) {
    const keys = entityKeysOf(table.definition);
    const apis: Readonly<Record<string, Repository<EntityDefinition> | undefined>> = table.entities;
    const infoOf = (pattern: ResolvedPattern, entityKeys: KeyBuilder): PatternInfo => ({
      entity: pattern.entity,
      name: pattern.pattern,
      index: pattern.index,
      keys: entityKeys.pattern(pattern.pattern),
      template: pattern.template,
      pkFields: pattern.template.pk,
      skFields: pattern.template.sk ?? [],
    });
    this.entities = Object.values(table.definition.entities).flatMap((definition) => {
      const api = apis[definition.name];
      const entityKeys = keys.get(definition.name);
      if (!api || !entityKeys) return [];
      const patterns = table.definition.patterns.filter((pattern) => pattern.entity === definition.name).map((pattern) => infoOf(pattern, entityKeys));
      return [{ name: definition.name, definition, api: genericApi(api), keys: entityKeys, patterns }];
    });
    const all = this.entities.flatMap((entity) => entity.patterns);
    this.indexes = ['primary', ...table.definition.usedIndexes].map((name) => ({
      name,
      pk: table.definition.indexes[name]?.pk ?? '',
      sk: table.definition.indexes[name]?.sk,
      patterns: all.filter((pattern) => pattern.index === name),
    }));
    const collections = new Map<string, PatternInfo[]>();
    for (const pattern of all)
      for (const collection of [pattern.template.collection ?? []].flat()) collections.set(collection, [...(collections.get(collection) ?? []), pattern]);
    this.collections = collections;
  }

  entity(name: string): EntityInfo {
    const entity = this.entities.find((candidate) => candidate.name === name);
    if (!entity) throw new NotFound(`table '${this.table.tableName}' has no entity '${name}' (it has ${this.entities.map((e) => e.name).join(', ')})`);
    return entity;
  }

  pattern(entityName: string, name: string): { entity: EntityInfo; pattern: PatternInfo } {
    const entity = this.entity(entityName);
    const pattern = entity.patterns.find((candidate) => candidate.name === name);
    if (!pattern) throw new NotFound(`entity '${entityName}' has no access pattern '${name}' (it has ${entity.patterns.map((p) => p.name).join(', ')})`);
    return { entity, pattern };
  }

  index(name: string): IndexInfo {
    const index = this.indexes.find((candidate) => candidate.name === name);
    if (!index) throw new NotFound(`table '${this.table.tableName}' has no index '${name}' (it has ${this.indexes.map((i) => i.name).join(', ')})`);
    return index;
  }
}
