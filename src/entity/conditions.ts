import { RepositoryError, type ValidationIssue } from '../errors/index.ts';
import { and, compareValues, or, typeOf, type Comparator, type Condition } from '../expression/index.ts';
import type { EntityDefinition, FieldShape } from '../schema/index.ts';

type Item = Record<string, unknown>;

const comparators: Record<string, Comparator> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const operators = new Set([...Object.keys(comparators), 'between', 'beginsWith', 'contains', 'in', 'exists', 'size']);
const MAX_IN_VALUES = 100;

const isPlainObject = (value: unknown): value is Item =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Set) && !(value instanceof Uint8Array);

/** Values as stored: dates as ISO strings (everything else as given). */
function encode(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : value.toISOString();
  if (Array.isArray(value)) return value.map(encode);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, encode(inner)]));
  return value;
}

/** The kinds of operand a field can be compared with. */
function operandIssue(shape: FieldShape | undefined, value: unknown): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value} is not a number DynamoDB can compare`;
  if (value instanceof Date && Number.isNaN(value.getTime())) return 'invalid Date';
  if (value === undefined) return 'a value is required';
  if (!shape || value === null) return undefined;
  const type = typeOf(encode(value));
  const expected: Partial<Record<FieldShape['kind'], string[]>> = {
    string: ['S'],
    enum: ['S'],
    date: ['S'],
    number: ['N'],
    boolean: ['BOOL'],
    binary: ['B'],
    stringSet: ['SS'],
    numberSet: ['NS'],
    list: ['L'],
    map: ['M'],
    record: ['M'],
  };
  const allowed = expected[shape.kind];
  if (allowed && !allowed.includes(type)) return `expected ${shape.kind === 'date' ? 'a Date or ISO string' : `a ${shape.kind}`} operand`;
  return undefined;
}

/**
 * Turns a `where` / `if` object into the expression model, checking every attribute and operator
 * first: an unknown attribute or operator, or an operand of the wrong type, is a validation
 * error naming the field, and nothing is sent.
 */
export function conditionOf(entity: EntityDefinition, where: unknown, label: 'where' | 'if'): Condition | undefined {
  if (where === undefined) return undefined;
  const issues: ValidationIssue[] = [];
  const condition = translate(entity, where, [label], issues);
  if (issues.length > 0) throw RepositoryError.validation(entity.name, issues);
  return condition;
}

function translate(entity: EntityDefinition, where: unknown, path: (string | number)[], issues: ValidationIssue[]): Condition | undefined {
  if (!isPlainObject(where)) {
    issues.push({ path, message: 'expected an object of attribute conditions' });
    return undefined;
  }
  const parts: (Condition | undefined)[] = [];
  for (const [name, spec] of Object.entries(where)) {
    if (spec === undefined) continue;
    if (name === '$and' || name === '$or') {
      if (!Array.isArray(spec) || spec.length === 0) {
        issues.push({ path: [...path, name], message: 'expected a non-empty array of conditions' });
        continue;
      }
      const inner = spec.map((part, index) => translate(entity, part, [...path, name, index], issues)).filter((part): part is Condition => part !== undefined);
      if (inner.length > 0) parts.push(name === '$and' ? and(...inner) : or(...inner));
      continue;
    }
    if (name === '$not') {
      const inner = translate(entity, spec, [...path, name], issues);
      if (inner) parts.push({ kind: 'not', condition: inner });
      continue;
    }
    if (!Object.hasOwn(entity.fields, name)) {
      issues.push({ path: [...path, name], message: `'${name}' is not an attribute of ${entity.name}` });
      continue;
    }
    parts.push(attributeCondition(entity.fields[name], name, spec, [...path, name], issues));
  }
  return and(...parts);
}

function attributeCondition(
  shape: FieldShape | undefined,
  name: string,
  spec: unknown,
  path: (string | number)[],
  issues: ValidationIssue[],
): Condition | undefined {
  if (!isPlainObject(spec)) {
    const issue = operandIssue(shape, spec);
    if (issue) issues.push({ path, message: issue });
    return { kind: 'compare', name, op: '=', value: encode(spec) };
  }
  const parts: Condition[] = [];
  for (const [operator, operand] of Object.entries(spec)) {
    if (operand === undefined) continue;
    const at = [...path, operator];
    if (!operators.has(operator)) {
      issues.push({ path: at, message: `unknown operator '${operator}' (use ${[...operators].join(', ')})` });
      continue;
    }
    const comparator = comparators[operator];
    if (comparator) {
      const issue = operandIssue(shape, operand);
      if (issue) issues.push({ path: at, message: issue });
      else parts.push({ kind: 'compare', name, op: comparator, value: encode(operand) });
    } else if (operator === 'between') {
      if (!Array.isArray(operand) || operand.length !== 2) {
        issues.push({ path: at, message: 'between takes [low, high]' });
        continue;
      }
      const [low, high] = operand.map(encode);
      const issue = operandIssue(shape, operand[0]) ?? operandIssue(shape, operand[1]);
      const order = compareValues(low, high);
      if (issue) issues.push({ path: at, message: issue });
      else if (order === undefined) issues.push({ path: at, message: 'between needs two numbers, strings or binaries of the same type' });
      else if (order > 0) issues.push({ path: at, message: 'between: low is greater than high' });
      else parts.push({ kind: 'between', name, low, high });
    } else if (operator === 'beginsWith') {
      if (typeof operand !== 'string') issues.push({ path: at, message: 'beginsWith takes a string' });
      else parts.push({ kind: 'beginsWith', name, value: operand });
    } else if (operator === 'contains') {
      if (operand === null || (typeof operand === 'number' && !Number.isFinite(operand)))
        issues.push({ path: at, message: 'contains takes a string, number or element' });
      else parts.push({ kind: 'contains', name, value: encode(operand) });
    } else if (operator === 'in') {
      if (!Array.isArray(operand) || operand.length === 0 || operand.length > MAX_IN_VALUES) {
        issues.push({ path: at, message: `in takes 1 to ${MAX_IN_VALUES} values` });
        continue;
      }
      const issue = operand.map((value) => operandIssue(shape, value)).find(Boolean);
      if (issue) issues.push({ path: at, message: issue });
      else parts.push({ kind: 'in', name, values: operand.map(encode) });
    } else if (operator === 'exists') {
      if (typeof operand !== 'boolean') issues.push({ path: at, message: 'exists takes true or false' });
      else parts.push({ kind: operand ? 'exists' : 'notExists', name });
    } else if (operator === 'size') {
      if (!isPlainObject(operand)) {
        issues.push({ path: at, message: 'size takes comparisons, e.g. { gt: 2 }' });
        continue;
      }
      for (const [sizeOperator, size] of Object.entries(operand)) {
        const sizeComparator = comparators[sizeOperator];
        if (!sizeComparator || typeof size !== 'number' || !Number.isInteger(size) || size < 0)
          issues.push({ path: [...at, sizeOperator], message: 'size compares with eq/ne/gt/gte/lt/lte and a non-negative integer' });
        else parts.push({ kind: 'size', name, op: sizeComparator, value: size });
      }
    }
  }
  return and(...parts);
}
