import type { EntityDefinition, FieldShape } from '../schema/index.ts';
import { defaultIndexes, type ResolvedPattern, type TableLayout } from '../table/index.ts';
import { layoutEntities } from './keys.ts';

/** Which access pattern an operation of a service (or your code) uses: a pattern name, `collection:<name>` or `scan`. */
export interface PatternUsage {
  service: string;
  operation: string;
  entity: string;
  pattern: string;
  how: string;
}

/** A design smell of a table, with what it is about and a one-line why. */
export interface DesignWarning {
  /** `entity.pattern`, `Service.operation`, `index gsi3` or `collection account`. */
  subject: string;
  kind: 'scan' | 'hotPartition' | 'unusedIndex' | 'collection';
  message: string;
  why: string;
}

const HOT_PARTITION_WHY =
  'items with one value share one partition, which serves about 3,000 reads and 1,000 writes per second: add a high-cardinality composite (an id, a date bucket) or move it to the sort key';
const booleanWords = new Set(['true', 'false', 'yes', 'no', 'y', 'n', '0', '1', 'on', 'off']);

/** How many distinct partition keys a pattern can have, when its composites are all enums (undefined: unbounded). */
function partitionCount(entity: EntityDefinition, pattern: ResolvedPattern): { count: number; booleanLike: boolean } | undefined {
  let count = 1;
  let booleanLike = false;
  for (const field of pattern.template.pk) {
    const shape = entity.fields[field];
    if (shape?.kind !== 'enum') return undefined;
    const values = shape.values ?? [];
    count *= values.length;
    if (values.length === 2 && values.every((value) => booleanWords.has(value.toLowerCase()))) booleanLike = true;
  }
  return { count, booleanLike: booleanLike || count <= 2 };
}

function hotPartitions(table: TableLayout): DesignWarning[] {
  const warnings: DesignWarning[] = [];
  for (const pattern of table.patterns) {
    const entity = layoutEntities(table).find((candidate) => candidate.name === pattern.entity);
    const partitions = entity ? partitionCount(entity, pattern) : undefined;
    if (!partitions) continue;
    const names = pattern.template.pk.join(', ');
    warnings.push({
      subject: `${pattern.entity}.${pattern.pattern}`,
      kind: 'hotPartition',
      message: partitions.booleanLike
        ? `boolean-derived partition key: ${names} has ${partitions.count} possible value(s)`
        : `low-cardinality partition key: ${names} has at most ${partitions.count} values`,
      why: HOT_PARTITION_WHY,
    });
  }
  return warnings;
}

function unusedIndexes(table: TableLayout): DesignWarning[] {
  // The default indexes are offered, not declared: only indexes the table names itself are its design.
  if (table.indexes === defaultIndexes) return [];
  return Object.keys(table.indexes)
    .filter((index) => index !== 'primary' && !table.usedIndexes.includes(index))
    .map((index) => ({
      subject: `index ${index}`,
      kind: 'unusedIndex' as const,
      message: `no access pattern uses ${index}`,
      why: 'tablekit creates only the GSIs a pattern uses, so it is not created: remove it from `indexes`, or give it a pattern',
    }));
}

/** How a composite's value is written into a key: equal values written differently land in different partitions. */
const keyFormat = (shape: FieldShape | undefined) =>
  shape?.kind === 'date' ? 'date (ISO string)' : shape?.kind === 'number' ? 'number (zero-padded)' : 'string';

function collections(table: TableLayout): DesignWarning[] {
  const members = new Map<string, ResolvedPattern[]>();
  for (const pattern of table.patterns)
    for (const name of [pattern.template.collection ?? []].flat()) members.set(name, [...(members.get(name) ?? []), pattern]);
  const warnings: DesignWarning[] = [];
  const entityNamed = (name: string) => layoutEntities(table).find((entity) => entity.name === name);
  for (const [name, patterns] of members) {
    const subject = `collection ${name}`;
    const [head, ...rest] = patterns;
    if (!head) continue;
    if (rest.length === 0) {
      warnings.push({
        subject,
        kind: 'collection',
        message: `only ${head.entity} is a member`,
        why: 'a collection reads several entities of one partition in one Query; with one member it is just the pattern',
      });
      continue;
    }
    for (const other of rest) {
      const sameIndex = other.index === head.index;
      const samePk = other.template.pk.join() === head.template.pk.join();
      const formats = head.template.pk.filter(
        (field) => keyFormat(entityNamed(head.entity)?.fields[field]) !== keyFormat(entityNamed(other.entity)?.fields[field]),
      );
      if (sameIndex && samePk && formats.length === 0) continue;
      warnings.push({
        subject,
        kind: 'collection',
        message: !sameIndex
          ? `${head.entity} is on ${head.index}, ${other.entity} on ${other.index}: the members are not co-located`
          : !samePk
            ? `${head.entity} and ${other.entity} build their partition keys from different attributes: the members are not co-located`
            : `${formats.join(', ')} is a ${keyFormat(entityNamed(head.entity)?.fields[formats[0] ?? ''])} in ${head.entity} but a ${keyFormat(entityNamed(other.entity)?.fields[formats[0] ?? ''])} in ${other.entity}: the members are not co-located`,
        why: 'equal values must build the same partition key for one Query to read the members together',
      });
    }
  }
  return warnings;
}

function scans(usages: readonly PatternUsage[]): DesignWarning[] {
  return usages
    .filter((usage) => usage.pattern === 'scan')
    .map((usage) => ({
      subject: `${usage.service}.${usage.operation}`,
      kind: 'scan' as const,
      message: `needs a Scan of ${usage.entity}`,
      why: 'a Scan reads and bills every item of the table, whatever it returns: give it an access pattern (a GSI keyed by what it filters on) before the table grows',
    }));
}

/** The design warnings of a table: Scans, hot partitions, unused GSIs, collections that are not co-located. */
export function designWarnings(table: TableLayout, usages: readonly PatternUsage[] = []): DesignWarning[] {
  return [...scans(usages), ...hotPartitions(table), ...unusedIndexes(table), ...collections(table)];
}
