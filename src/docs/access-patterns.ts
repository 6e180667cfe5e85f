import type { FieldShape } from '../schema/index.ts';
import { buildElectro, type ElectroEntity, type ResolvedPattern, type TableLayout } from '../table/index.ts';
import { exampleItem } from './examples.ts';
import { layoutEntities } from './keys.ts';
import { designWarnings, type DesignWarning, type PatternUsage } from './warnings.ts';

type Params = {
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
  Key?: Record<string, unknown>;
};
type Row = { entity: string; pattern: string; operation: string; index: string; pk: string; sk: string; request: string; kind: string; description: string };

/** Sets as arrays and bytes as base64, so examples read in JSON. */
const jsonSafe = (_key: string, value: unknown) =>
  value instanceof Set ? [...value] : value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
const code = (text: string) => (text === '' ? '' : `\`${text.replace(/\|/g, '\\|')}\``);
const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

/** Renders a KeyConditionExpression with the real attribute names and values. */
function renderCondition(params: Params): string {
  let expression = params.KeyConditionExpression ?? '';
  for (const [alias, name] of Object.entries(params.ExpressionAttributeNames ?? {})) expression = expression.split(alias).join(name);
  const values = Object.entries(params.ExpressionAttributeValues ?? {}).sort(([a], [b]) => b.length - a.length);
  for (const [alias, value] of values) expression = expression.split(alias).join(JSON.stringify(value));
  return expression;
}

const renderKey = (key: Record<string, unknown> = {}) =>
  Object.entries(key)
    .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
    .join(' and ');

function pick(item: Record<string, unknown>, fields: readonly string[]) {
  return Object.fromEntries(fields.map((field) => [field, item[field]]));
}

function rowsFor(pattern: ResolvedPattern, electro: ElectroEntity, example: Record<string, unknown>, description: string): Row[] {
  const { template } = pattern;
  const sk = template.sk ?? [];
  const base = {
    entity: pattern.entity,
    pattern: pattern.pattern,
    index: pattern.indexName ?? 'table',
    pk: template.pk.join(', '),
    sk: sk.join(', '),
    description,
  };
  const queries = electro.query as Record<string, (key: Record<string, unknown>) => { params(): Params }>;
  const query = (composites: Record<string, unknown>) => renderCondition(queries[pattern.pattern]?.(composites).params() ?? {});
  if (pattern.index === 'primary') {
    const rows: Row[] = [
      { ...base, operation: 'get one', request: renderKey((electro.get(pick(example, [...template.pk, ...sk])).params() as Params).Key), kind: 'GetItem' },
    ];
    if (sk.length > 0) rows.push({ ...base, operation: `list by ${template.pk.join(', ')}`, request: query(pick(example, template.pk)), kind: 'Query' });
    return rows;
  }
  return [
    {
      ...base,
      operation: `list by ${template.pk.join(', ')}${sk.length ? `, sorted by ${sk.join(', ')}` : ''}`,
      request: query(pick(example, template.pk)),
      kind: 'Query',
    },
  ];
}

/** A field's type as written in the document: nested objects as their shape, lists of them as `{ … }[]`. */
export function fieldType(shape: FieldShape): string {
  return `${baseType(shape)}${shape.nullable ? ' | null' : ''}${shape.optional ? '?' : ''}`;
}

function baseType(shape: FieldShape): string {
  switch (shape.kind) {
    case 'enum':
      return (shape.values ?? []).map((value) => `'${value}'`).join(' | ');
    case 'list': {
      const element = shape.element ? fieldType(shape.element) : 'unknown';
      return /[ |?]/.test(element) && !element.startsWith('{') ? `(${element})[]` : `${element}[]`;
    }
    case 'record':
      return `record<string, ${shape.valueShape ? fieldType(shape.valueShape) : 'unknown'}>`;
    case 'map': {
      const properties = Object.entries(shape.properties ?? {}).map(
        ([name, property]) => `${name}${property.optional ? '?' : ''}: ${fieldType({ ...property, optional: false })}`,
      );
      return properties.length === 0 ? '{}' : `{ ${properties.join(', ')} }`;
    }
    case 'date':
      return 'date (ISO string)';
    case 'stringSet':
      return 'string set';
    case 'numberSet':
      return 'number set';
    default:
      return shape.kind;
  }
}

function mermaid(table: TableLayout): string[] {
  const lines = ['```mermaid', 'flowchart LR'];
  const indexNode = (index: string) => `idx_${index}`;
  for (const index of ['primary', ...table.usedIndexes]) {
    const keys = table.indexes[index];
    lines.push(`  ${indexNode(index)}[("${index === 'primary' ? 'table' : index}: ${keys?.pk} / ${keys?.sk ?? '-'}")]`);
  }
  for (const entity of layoutEntities(table)) lines.push(`  ent_${entity.name}["${entity.name}"]`);
  const collections = new Set<string>();
  for (const pattern of table.patterns) {
    lines.push(`  ent_${pattern.entity} -- "${pattern.pattern}" --> ${indexNode(pattern.index)}`);
    for (const collection of [pattern.template.collection ?? []].flat()) {
      if (!collections.has(collection)) lines.push(`  col_${collection}{{"collection ${collection}"}}`);
      collections.add(collection);
      lines.push(`  ent_${pattern.entity} -.- col_${collection}`);
    }
  }
  lines.push('```');
  return lines;
}

/** The access-pattern document for a table, generated from its definitions (deterministic). */
export interface DocOptions {
  /** Operations of services (or your own code) and the patterns they use; each is checked against the table. */
  usages?: readonly PatternUsage[];
  /** The module the table comes from, for the regenerate command the document names (`npx tablekit docs --module …`). */
  module?: string;
}

const entityNamed = (table: TableLayout, name: string) => layoutEntities(table).find((entity) => entity.name === name);

function usageRows(table: TableLayout, usages: readonly PatternUsage[]): string[] {
  const rows = [
    '## Service operations',
    '',
    'Which access pattern each service operation uses.',
    '',
    '| service | operation | entity | pattern | request |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const usage of usages) {
    const entity = entityNamed(table, usage.entity);
    const collection = usage.pattern.startsWith('collection:') ? usage.pattern.slice('collection:'.length) : undefined;
    const known =
      entity !== undefined &&
      (usage.pattern === 'scan' ||
        (collection !== undefined ? table.patterns.some((p) => [p.template.collection ?? []].flat().includes(collection)) : usage.pattern in entity.keys));
    if (!known) throw new Error(`${usage.service}.${usage.operation} names ${usage.entity}.${usage.pattern}, which the table does not define`);
    rows.push(`| ${usage.service} | ${usage.operation} | ${usage.entity} | ${usage.pattern} | ${escapeCell(usage.how)} |`);
  }
  return [...rows, ''];
}

function warningRows(warnings: readonly DesignWarning[]): string[] {
  if (warnings.length === 0) return [];
  const rows = ['## Design warnings', '', 'What to look at before the table grows, each with why.', '', '| where | warning | why |', '| --- | --- | --- |'];
  for (const warning of warnings) rows.push(`| ${escapeCell(warning.subject)} | ${escapeCell(warning.message)} | ${escapeCell(warning.why)} |`);
  return [...rows, ''];
}

function collectionRows(table: TableLayout, service: ReturnType<typeof buildElectro>['service'], examples: Record<string, Record<string, unknown>>): string[] {
  const collections = new Map<string, ResolvedPattern[]>();
  for (const pattern of table.patterns)
    for (const name of [pattern.template.collection ?? []].flat()) collections.set(name, [...(collections.get(name) ?? []), pattern]);
  if (collections.size === 0) return [];
  const rows = ['## Collections', '', 'Entities that share a collection live in the same partition and are read together in ONE Query.', ''];
  rows.push('| collection | index | entities | request for the example |', '| --- | --- | --- | --- |');
  const serviceCollections = service.collections as Record<string, (key: Record<string, unknown>) => { params(): Params }>;
  for (const [name, patterns] of collections) {
    const first = patterns[0] as ResolvedPattern;
    const request = renderCondition(serviceCollections[name]?.(pick(examples[first.entity] ?? {}, first.template.pk)).params() ?? {});
    rows.push(`| ${name} | ${first.indexName ?? 'table'} | ${patterns.map((p) => p.entity).join(', ')} | ${code(request)} |`);
  }
  return [...rows, ''];
}

export function generateAccessPatternDoc(table: TableLayout, options: DocOptions = {}): string {
  const { entities: electro, service } = buildElectro(table, table.name);
  const examples = Object.fromEntries(layoutEntities(table).map((entity) => [entity.name, exampleItem(entity)]));
  const command = `npx tablekit docs${options.module ? ` --module ${options.module}` : ''}`;
  const out: string[] = [
    `# Access patterns: table \`${table.name}\``,
    '',
    `<!-- Generated by \`${command}\` from the entity definitions. Do not edit by hand: \`${command} --check\` fails when this file is stale. -->`,
    '',
    '## Table',
    '',
    '| index | partition key | sort key | projection |',
    '| --- | --- | --- | --- |',
  ];
  for (const index of ['primary', ...table.usedIndexes]) {
    const keys = table.indexes[index];
    out.push(
      `| ${index === 'primary' ? 'table' : index} | ${code(keys?.pk ?? '')} (S) | ${code(keys?.sk ?? '')}${keys?.sk ? ' (S)' : ''} | ${index === 'primary' ? '-' : 'ALL'} |`,
    );
  }
  out.push(
    '',
    `Billing: PAY_PER_REQUEST. TTL: ${table.ttlAttribute ? `${code(table.ttlAttribute)} (epoch seconds)` : 'off'}. Streams: ${table.streams ?? 'off'}. ` +
      `Key service prefix: ${code(table.service)}. Key values are built by ElectroDB from the composite attributes; number composites are zero-padded so key order is number order.`,
    '',
    '## Entities',
    '',
  );
  for (const entity of layoutEntities(table)) {
    out.push(`### ${entity.name} (v${entity.version})`, '', ...(entity.description ? [entity.description, ''] : []));
    out.push('| attribute | type |', '| --- | --- |');
    for (const [field, shape] of Object.entries(entity.fields)) out.push(`| ${field} | ${escapeCell(fieldType(shape))} |`);
    const managed = [
      entity.timestamps ? 'createdAt/updatedAt' : '',
      entity.versioned ? 'version (optimistic locking)' : '',
      entity.ttl ? `TTL on ${entity.ttl}` : '',
    ].filter(Boolean);
    out.push('', `Managed: ${managed.length ? managed.join(', ') : 'none'}. Example: ${code(JSON.stringify(examples[entity.name], jsonSafe))}`, '');
  }
  out.push(
    '## Access patterns',
    '',
    'Every declared pattern is a GetItem or a Query on one index, never a Scan. Each entity API exposes each one as `find.<pattern>(key, options)`: the key names every ' +
      'pk composite, then sk composites in order by value, optionally with one range condition (`eq`, `gt`, `gte`, `lt`, `lte`, `between`, `beginsWith`) on the next one; ' +
      'it becomes the KeyConditionExpression. The only Scan is `query()` without a pattern (every item of one entity, filtered by entity type), meant for small entities and tests.',
    '',
  );
  out.push('| entity | pattern | operation | index | pk composites | sk composites | DynamoDB request for the example | kind | purpose |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const pattern of table.patterns) {
    const entity = entityNamed(table, pattern.entity);
    const entityElectro = electro[pattern.entity];
    if (!entity || !entityElectro) continue;
    for (const row of rowsFor(pattern, entityElectro, examples[pattern.entity] ?? {}, pattern.template.description ?? '')) {
      out.push(
        `| ${row.entity} | ${row.pattern} | ${row.operation} | ${row.index} | ${row.pk} | ${row.sk || '-'} | ${code(row.request)} | ${row.kind} | ${escapeCell(row.description)} |`,
      );
    }
  }
  out.push('', ...collectionRows(table, service, examples));
  if (options.usages && options.usages.length > 0) out.push(...usageRows(table, options.usages));
  out.push(...warningRows(designWarnings(table, options.usages)));
  out.push('## Diagram', '', ...mermaid(table), '');
  return out.join('\n');
}
