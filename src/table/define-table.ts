import type { AttributeDefinition, CreateTableCommandInput, GlobalSecondaryIndex, KeySchemaElement, StreamViewType } from '@aws-sdk/client-dynamodb';
import { SchemaDefinitionError, type EntityDefinition, type KeyTemplate } from '../schema/index.ts';

/** Physical key attribute names of one index. All keys are strings. */
export interface IndexKeys {
  readonly pk: string;
  readonly sk?: string;
}

export type TableIndexes = { readonly primary: IndexKeys } & { readonly [gsi: string]: IndexKeys };

export const defaultIndexes = {
  primary: { pk: 'pk', sk: 'sk' },
  gsi1: { pk: 'gsi1pk', sk: 'gsi1sk' },
  gsi2: { pk: 'gsi2pk', sk: 'gsi2sk' },
} as const satisfies TableIndexes;

export type EntityMap = Record<string, EntityDefinition>;

export interface TableOptions<E extends EntityMap> {
  /** Default table name; `bind(connection, { tableName })` can override it (e.g. per test). */
  readonly name: string;
  readonly entities: E;
  /** Logical index name -> key attributes. Default: primary pk/sk, gsi1, gsi2. */
  readonly indexes?: TableIndexes;
  /** ElectroDB service name, the prefix of every partition key (default `tablekit`). */
  readonly service?: string;
  /** TTL attribute (epoch seconds), default `ttl`; `false` disables TTL. */
  readonly ttlAttribute?: string | false;
  /** Stream view type, default NEW_AND_OLD_IMAGES; `false` disables streams. */
  readonly streams?: StreamViewType | false;
  /** Entities tablekit keeps in the table for its own rules (unique claims): keyed like the others, never exposed. */
  readonly internalEntities?: readonly EntityDefinition[];
}

/** One resolved access pattern: an entity's key template placed on a physical index. */
export interface ResolvedPattern {
  readonly entity: string;
  readonly pattern: string;
  /** Logical index name (`primary`, `gsi1`, ...). */
  readonly index: string;
  /** DynamoDB IndexName, undefined for the table's primary key. */
  readonly indexName: string | undefined;
  readonly keys: IndexKeys;
  readonly template: KeyTemplate;
}

export interface TableLayout<E extends EntityMap = EntityMap> {
  readonly kind: 'tablekit.table';
  readonly name: string;
  readonly service: string;
  readonly entities: E;
  /** tablekit's own entities in the table (e.g. unique claims). */
  readonly internalEntities: readonly EntityDefinition[];
  readonly indexes: TableIndexes;
  readonly ttlAttribute: string | undefined;
  readonly streams: StreamViewType | undefined;
  /** Every access pattern of every entity, in declaration order. */
  readonly patterns: readonly ResolvedPattern[];
  /** Logical names of the GSIs some entity uses (only those are created). */
  readonly usedIndexes: readonly string[];
  createTableInput(tableName?: string): CreateTableCommandInput;
}

function resolvePatterns(entities: EntityMap, internal: readonly EntityDefinition[], indexes: TableIndexes): ResolvedPattern[] {
  const patterns: ResolvedPattern[] = [];
  for (const [entityKey, entity] of [...Object.entries(entities), ...internal.map((definition) => [definition.name, definition] as const)]) {
    if (entityKey !== entity.name) throw new SchemaDefinitionError(`Table entity key '${entityKey}' must equal the entity name '${entity.name}'`);
    if (internal.includes(entity) === false && internal.some((definition) => definition.name === entity.name)) {
      throw new SchemaDefinitionError(`Entity name '${entity.name}' is reserved by tablekit`);
    }
    const usedIndexes = new Map<string, string>();
    // Key attributes of every index are tablekit's: an attribute of that name would be stripped from reads or index the item.
    const keyAttributes = new Set(Object.values(indexes).flatMap((keys) => [keys.pk, ...(keys.sk ? [keys.sk] : [])]));
    for (const field of Object.keys(entity.fields)) {
      if (keyAttributes.has(field) || field.startsWith('__edb_'))
        throw new SchemaDefinitionError(`Entity '${entity.name}': field '${field}' clashes with a key attribute of the table`);
    }
    for (const [pattern, template] of Object.entries(entity.keys) as [string, KeyTemplate & { index?: string }][]) {
      const index = pattern === 'primary' ? 'primary' : template.index;
      if (index === undefined) throw new SchemaDefinitionError(`Entity '${entity.name}', access pattern '${pattern}': 'index' is required`);
      const keys = indexes[index];
      if (!keys) throw new SchemaDefinitionError(`Entity '${entity.name}', access pattern '${pattern}': the table has no index '${index}'`);
      if (!keys.sk && (template.sk?.length ?? 0) > 0) {
        throw new SchemaDefinitionError(`Entity '${entity.name}', access pattern '${pattern}': index '${index}' has no sort key`);
      }
      for (const field of [keys.pk, keys.sk]) {
        if (field && field in entity.fields)
          throw new SchemaDefinitionError(`Entity '${entity.name}': field '${field}' clashes with the key attribute of index '${index}'`);
      }
      const other = usedIndexes.get(index);
      if (other)
        throw new SchemaDefinitionError(
          `Entity '${entity.name}': access patterns '${other}' and '${pattern}' both use index '${index}' (one pattern per index and entity)`,
        );
      usedIndexes.set(index, pattern);
      patterns.push({ entity: entity.name, pattern, index, indexName: index === 'primary' ? undefined : index, keys, template });
    }
  }
  return patterns;
}

function keySchema(keys: IndexKeys): KeySchemaElement[] {
  return [{ AttributeName: keys.pk, KeyType: 'HASH' }, ...(keys.sk ? [{ AttributeName: keys.sk, KeyType: 'RANGE' as const }] : [])];
}

/** Groups entity declarations into one table: indexes, TTL, streams, and the CreateTable input. */
export function defineTableLayout<const E extends EntityMap>(options: TableOptions<E>): TableLayout<E> {
  const indexes: TableIndexes = options.indexes ?? defaultIndexes;
  if (!indexes.primary) throw new SchemaDefinitionError(`Table '${options.name}': indexes.primary is required`);
  const ttlAttribute = options.ttlAttribute === false ? undefined : (options.ttlAttribute ?? 'ttl');
  const streams = options.streams === false ? undefined : (options.streams ?? 'NEW_AND_OLD_IMAGES');
  const internalEntities = options.internalEntities ?? [];
  const patterns = resolvePatterns(options.entities, internalEntities, indexes);
  for (const entity of Object.values(options.entities)) {
    if (entity.ttl !== undefined && entity.ttl !== ttlAttribute) {
      throw new SchemaDefinitionError(
        `Entity '${entity.name}': ttl field '${entity.ttl}' differs from the table's TTL attribute '${ttlAttribute ?? '(none)'}'`,
      );
    }
  }
  const usedIndexes = Object.keys(indexes).filter((index) => index !== 'primary' && patterns.some((p) => p.index === index));

  const createTableInput = (tableName = options.name): CreateTableCommandInput => {
    const keyAttributes = new Set<string>();
    const add = (keys: IndexKeys) => [keys.pk, keys.sk].forEach((field) => field && keyAttributes.add(field));
    add(indexes.primary);
    const gsis: GlobalSecondaryIndex[] = usedIndexes.map((index) => {
      const keys = indexes[index] as IndexKeys;
      add(keys);
      return { IndexName: index, KeySchema: keySchema(keys), Projection: { ProjectionType: 'ALL' } };
    });
    const definitions: AttributeDefinition[] = [...keyAttributes].map((name) => ({ AttributeName: name, AttributeType: 'S' }));
    return {
      TableName: tableName,
      AttributeDefinitions: definitions,
      KeySchema: keySchema(indexes.primary),
      BillingMode: 'PAY_PER_REQUEST',
      ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
      ...(streams ? { StreamSpecification: { StreamEnabled: true, StreamViewType: streams } } : {}),
    };
  };

  return {
    kind: 'tablekit.table',
    name: options.name,
    service: options.service ?? 'tablekit',
    entities: options.entities,
    internalEntities,
    indexes,
    ttlAttribute,
    streams,
    patterns,
    usedIndexes,
    createTableInput,
  };
}
