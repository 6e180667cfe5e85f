import { RepositoryError } from '../errors/index.ts';

type Scalar = string | number | boolean | Date;

/** Conditions on one attribute; several on one attribute and several attributes are ANDed. */
export interface Condition<V> {
  eq?: V;
  ne?: V;
  gt?: V;
  gte?: V;
  lt?: V;
  lte?: V;
  between?: readonly [V, V];
  beginsWith?: string;
  /** Substring of a string, or element of a list. */
  contains?: V extends readonly (infer T)[] ? T : V;
  /** true: the attribute is present; false: absent. */
  exists?: boolean;
}

/** A portable filter: `{ price: { gte: 10 }, name: { contains: 'phone' } }`. The same on DynamoDB and in memory. */
export type Filter<T> = { [K in keyof T]?: (NonNullable<T[K]> extends Scalar ? NonNullable<T[K]> : never) | Condition<NonNullable<T[K]>> };

const operators = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between', 'beginsWith', 'contains', 'exists'] as const;
type Operator = (typeof operators)[number];

type Encode = (value: unknown) => unknown;
const isoDates: Encode = (value) => (value instanceof Date ? value.toISOString() : value);

/** Normalises a filter into [attribute, operator, operand] triples (dates as ISO strings, as stored). */
export function filterTerms(filter: Record<string, unknown> | undefined, knownFields: ReadonlySet<string>): [string, Operator, unknown][] {
  const terms: [string, Operator, unknown][] = [];
  for (const [field, condition] of Object.entries(filter ?? {})) {
    if (condition === undefined) continue;
    if (!knownFields.has(field)) throw new RepositoryError('validation', `Cannot filter on unknown attribute '${field}'`);
    if (condition === null || typeof condition !== 'object' || condition instanceof Date) {
      terms.push([field, 'eq', isoDates(condition)]);
      continue;
    }
    for (const [operator, operand] of Object.entries(condition)) {
      if (!operators.includes(operator as Operator)) throw new RepositoryError('validation', `Unknown filter operator '${operator}' on '${field}'`);
      if (operand === undefined) continue;
      terms.push([field, operator as Operator, Array.isArray(operand) ? operand.map(isoDates) : isoDates(operand)]);
    }
  }
  return terms;
}

/** DynamoDB orders strings by their UTF-8 bytes. */
function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return undefined;
}

function holds(value: unknown, operator: Operator, operand: unknown): boolean {
  const order = compare(value, operand);
  switch (operator) {
    case 'eq':
      return JSON.stringify(value) === JSON.stringify(operand);
    case 'ne':
      return JSON.stringify(value) !== JSON.stringify(operand);
    case 'gt':
      return order !== undefined && order > 0;
    case 'gte':
      return order !== undefined && order >= 0;
    case 'lt':
      return order !== undefined && order < 0;
    case 'lte':
      return order !== undefined && order <= 0;
    case 'between': {
      const [low, high] = operand as [unknown, unknown];
      const lower = compare(value, low);
      const upper = compare(value, high);
      return lower !== undefined && upper !== undefined && lower >= 0 && upper <= 0;
    }
    case 'beginsWith':
      return typeof value === 'string' && typeof operand === 'string' && value.startsWith(operand);
    case 'contains':
      if (typeof value === 'string') return typeof operand === 'string' && value.includes(operand);
      return Array.isArray(value) && value.some((element) => JSON.stringify(element) === JSON.stringify(operand));
    case 'exists':
      return (value !== undefined) === operand;
  }
}

/** The in-memory twin of the FilterExpression, applied to stored (encoded) items. */
export function matchesFilter(stored: Record<string, unknown>, terms: readonly [string, Operator, unknown][]): boolean {
  return terms.every(([field, operator, operand]) => holds(stored[field], operator, operand));
}

type ElectroOps = Record<string, (attribute: unknown, ...values: unknown[]) => string>;

/** An ElectroDB `where` callback for the terms, so ElectroDB builds the FilterExpression. */
export function electroWhere(terms: readonly [string, Operator, unknown][]) {
  return (attributes: Record<string, unknown>, op: ElectroOps): string =>
    terms
      .map(([field, operator, operand]) => {
        const attribute = attributes[field];
        switch (operator) {
          case 'between': {
            const [low, high] = operand as [unknown, unknown];
            return op.between?.(attribute, low, high) ?? '';
          }
          case 'exists':
            return (operand ? op.exists : op.notExists)?.(attribute) ?? '';
          case 'beginsWith':
            return op.begins?.(attribute, operand) ?? '';
          default:
            return op[operator]?.(attribute, operand) ?? '';
        }
      })
      .join(' AND ');
}
