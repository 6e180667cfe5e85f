import { marshall } from '@aws-sdk/util-dynamodb';
import type { EntityDefinition, FieldShape } from '../schema/index.ts';
import type { KeyBuilder, ResolvedPattern, TableLayout } from '../table/index.ts';
import { exampleItem } from './examples.ts';
import { entityKeysOf, layoutEntities, storedSample } from './keys.ts';
import { generateSample } from './samples.ts';

/** A DynamoDB value as NoSQL Workbench writes it (`{ "S": "…" }`, binary as base64). */
type WorkbenchValue = Record<string, unknown>;
type WorkbenchItem = Record<string, WorkbenchValue>;
const attributeTypes = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'] as const;
type AttributeType = (typeof attributeTypes)[number];
/** The type of a typed value (`{ "S": … }` is S). */
const typeOfValue = (value: WorkbenchValue): AttributeType => attributeTypes.find((type) => type in value) ?? 'S';
interface KeyAttribute {
  AttributeName: string;
  AttributeType: AttributeType;
}
interface KeyAttributes {
  PartitionKey: KeyAttribute;
  SortKey?: KeyAttribute;
}

export interface WorkbenchFacet {
  FacetName: string;
  KeyAttributeAlias: { PartitionKeyAlias: string; SortKeyAlias?: string };
  TableData: WorkbenchItem[];
  NonKeyAttributes: string[];
  DataAccess: { MySql: Record<string, never> };
}

export interface WorkbenchTable {
  TableName: string;
  KeyAttributes: KeyAttributes;
  NonKeyAttributes: KeyAttribute[];
  TableFacets: WorkbenchFacet[];
  GlobalSecondaryIndexes: { IndexName: string; KeyAttributes: KeyAttributes; Projection: { ProjectionType: 'ALL' } }[];
  TableData: WorkbenchItem[];
  DataAccess: { MySql: Record<string, never> };
  BillingMode: 'PAY_PER_REQUEST';
}

/** A NoSQL Workbench data model (the JSON its "Import data model" reads, format 3.0). */
export interface WorkbenchModel {
  ModelName: string;
  ModelMetadata: { Author: string; DateCreated: string; DateLastModified: string; Description: string; AWSService: 'Amazon DynamoDB'; Version: '3.0' };
  DataModel: WorkbenchTable[];
}

export interface WorkbenchOptions {
  /** Physical table name (default: the definition's name). */
  tableName?: string;
  /** The model's creation date (default: now). */
  now?: Date;
}

const shapeTypes: Record<FieldShape['kind'], AttributeType> = {
  string: 'S',
  number: 'N',
  boolean: 'BOOL',
  enum: 'S',
  date: 'S',
  list: 'L',
  map: 'M',
  record: 'M',
  stringSet: 'SS',
  numberSet: 'NS',
  binary: 'B',
  any: 'S',
};

/** JSON has no bytes: binary values become base64 strings, as Workbench shows them. */
function jsonValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, jsonValue(inner)]));
  return value;
}

const typed = (item: Record<string, unknown>): WorkbenchItem =>
  jsonValue(marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false })) as WorkbenchItem;

/** The example, with the composites of every index it lacks filled in from a generated sample, so each facet shows its keys. */
function facetSample(entity: EntityDefinition, patterns: readonly ResolvedPattern[]): Record<string, unknown> {
  const example = exampleItem(entity);
  const generated = generateSample(entity);
  if (!entity.example && generated.problems.length > 0) {
    const [problem] = generated.problems;
    throw new Error(`entity '${entity.name}' has no example and none could be generated (${problem?.path}: ${problem?.message}): declare an \`example\``);
  }
  const composites = patterns.flatMap((pattern) => [...pattern.template.pk, ...(pattern.template.sk ?? [])]);
  const missing = composites.filter((field) => example[field] === undefined && generated.item[field] !== undefined);
  return { ...Object.fromEntries(missing.map((field) => [field, generated.item[field]])), ...example };
}

const facetName = (pattern: ResolvedPattern) => `${pattern.entity}.${pattern.pattern}`.replace(/[^A-Za-z0-9_.-]/g, '_');

function facet(table: TableLayout, pattern: ResolvedPattern, keys: KeyBuilder, item: Record<string, unknown>, data: WorkbenchItem): WorkbenchFacet {
  const primary = keys.primary;
  const tableKeys = [table.indexes.primary.pk, table.indexes.primary.sk];
  const patternKeys = pattern.index === 'primary' ? [] : [pattern.keys.pk, pattern.keys.sk ?? ''];
  const rest = Object.keys(item).filter((name) => !tableKeys.includes(name) && !patternKeys.includes(name));
  const alias = (composites: readonly { name: string }[], fallback: string) => (composites.length ? composites.map((c) => c.name).join('#') : fallback);
  return {
    FacetName: facetName(pattern),
    KeyAttributeAlias: {
      PartitionKeyAlias: alias(primary.pk.composites, table.indexes.primary.pk),
      ...(primary.sk ? { SortKeyAlias: alias(primary.sk.composites, `${pattern.entity}_${keys.entity.version}`) } : {}),
    },
    TableData: [data],
    NonKeyAttributes: [...patternKeys.filter(Boolean), ...rest],
    DataAccess: { MySql: {} },
  };
}

const keyAttributes = (pk: string, sk: string | undefined): KeyAttributes => ({
  PartitionKey: { AttributeName: pk, AttributeType: 'S' },
  ...(sk ? { SortKey: { AttributeName: sk, AttributeType: 'S' } } : {}),
});

const two = (value: number) => String(value).padStart(2, '0');
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Workbench's own date format: `Jan 01, 2026, 09:30 AM` (UTC here). */
const workbenchDate = (date: Date) =>
  `${months[date.getUTCMonth()]} ${two(date.getUTCDate())}, ${date.getUTCFullYear()}, ${two(date.getUTCHours() % 12 || 12)}:${two(date.getUTCMinutes())} ${date.getUTCHours() < 12 ? 'AM' : 'PM'}`;

/**
 * The table as a NoSQL Workbench data model: its keys and GSIs, one facet per entity access
 * pattern, and sample items built from each entity's example with the real keys tablekit writes.
 */
export function toWorkbenchModel(table: TableLayout, options: WorkbenchOptions = {}): WorkbenchModel {
  const keys = entityKeysOf(table);
  const attributes = new Map<string, AttributeType>();
  const note = (name: string, type: AttributeType) => {
    if (!attributes.has(name)) attributes.set(name, type);
  };
  const facets: WorkbenchFacet[] = [];
  const tableData: WorkbenchItem[] = [];
  for (const entity of layoutEntities(table)) {
    const entityKeys = keys.get(entity.name);
    if (!entityKeys) continue;
    const patterns = table.patterns.filter((pattern) => pattern.entity === entity.name);
    const stored = storedSample(entity, entityKeys, facetSample(entity, patterns));
    const primaryKeys = [table.indexes.primary.pk, table.indexes.primary.sk ?? ''];
    // Table keys first, as Workbench lays out an item.
    const data = typed({ ...Object.fromEntries(primaryKeys.filter((name) => name in stored).map((name) => [name, stored[name]])), ...stored });
    tableData.push(data);
    for (const [name, value] of Object.entries(data)) note(name, typeOfValue(value));
    for (const [name, shape] of Object.entries(entity.fields)) note(name, shapeTypes[shape.kind]);
    for (const pattern of patterns) facets.push(facet(table, pattern, entityKeys, stored, data));
  }
  const primary = table.indexes.primary;
  const created = workbenchDate(options.now ?? new Date());
  return {
    ModelName: table.name,
    ModelMetadata: {
      Author: 'tablekit',
      DateCreated: created,
      DateLastModified: created,
      Description: `Generated by tablekit from table '${table.name}': ${layoutEntities(table).length} entities, ${table.patterns.length} access patterns (one facet each).`,
      AWSService: 'Amazon DynamoDB',
      Version: '3.0',
    },
    DataModel: [
      {
        TableName: options.tableName ?? table.name,
        KeyAttributes: keyAttributes(primary.pk, primary.sk),
        NonKeyAttributes: [...attributes]
          .filter(([name]) => name !== primary.pk && name !== primary.sk)
          .map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        TableFacets: facets,
        GlobalSecondaryIndexes: table.usedIndexes.map((index) => ({
          IndexName: index,
          KeyAttributes: keyAttributes(table.indexes[index]?.pk ?? `${index}pk`, table.indexes[index]?.sk),
          Projection: { ProjectionType: 'ALL' as const },
        })),
        TableData: tableData,
        DataAccess: { MySql: {} },
        BillingMode: 'PAY_PER_REQUEST',
      },
    ],
  };
}
