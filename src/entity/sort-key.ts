import { RepositoryError, type ValidationIssue } from '../errors/index.ts';
import { compareStrings, type KeyCondition } from '../expression/index.ts';
import type { PatternKeys, SortBound } from '../table/index.ts';
import type { EntityModel } from './model.ts';

type Item = Record<string, unknown>;

const boundOperators = ['eq', 'gt', 'gte', 'lt', 'lte', 'between', 'beginsWith'] as const;
const isBoundOperator = (name: string): name is SortBound['op'] => boundOperators.some((operator) => operator === name);

const isCondition = (value: unknown): value is Item => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

export interface KeyQuery {
  readonly pattern: PatternKeys;
  readonly condition: KeyCondition;
  /** A key to leave out of the results (`lt` on the last composite of a string key). */
  readonly excludeEqual?: string;
  /** True when the bound can match nothing (e.g. `lt: 0` on a number key). */
  readonly empty?: boolean;
}

/**
 * Reads a query key: every partition-key composite, then sort-key composites in order by
 * equality, and optionally one condition on the next composite. It always becomes the
 * KeyConditionExpression (a range of built keys), never a filter.
 */
export function keyQuery(model: EntityModel, patternName: string, key: unknown): KeyQuery {
  const pattern = model.keys.pattern(patternName);
  const name = model.name;
  if (!isCondition(key)) throw RepositoryError.validation(name, [{ path: [], message: `the key of '${patternName}' is an object of its composites` }]);
  const issues: ValidationIssue[] = [];
  const pkNames = pattern.pk.composites.map((composite) => composite.name);
  const skNames = pattern.sk?.composites.map((composite) => composite.name) ?? [];
  for (const field of Object.keys(key)) {
    if (key[field] !== undefined && !pkNames.includes(field) && !skNames.includes(field)) {
      issues.push({
        path: [field],
        message: `is not a key attribute of '${patternName}' (its key is ${[...pkNames, ...skNames].join(', ')}); filter with where`,
      });
    }
  }
  for (const field of pkNames) {
    if (key[field] === undefined) issues.push({ path: [field], message: `required to query '${patternName}'` });
    else if (isCondition(key[field])) issues.push({ path: [field], message: 'is part of the partition key: it takes a value, not a condition' });
  }
  let equalCount = 0;
  let bound: SortBound | undefined;
  skNames.forEach((field, index) => {
    const value = key[field];
    if (value === undefined) return;
    if (bound || index > equalCount) {
      issues.push({
        path: [field],
        message: `sort-key composites go in order (${skNames.join(', ')}): '${field}' needs every earlier one${bound ? ' by value, and nothing may follow a condition' : ''}`,
      });
      return;
    }
    if (!isCondition(value)) {
      equalCount++;
      return;
    }
    const [operator, ...more] = Object.keys(value).filter((name) => value[name] !== undefined);
    if (operator === undefined || more.length > 0 || !isBoundOperator(operator)) {
      issues.push({ path: [field], message: `a sort-key condition is one of ${boundOperators.join(', ')} (use between for a range)` });
      return;
    }
    const operand = value[operator];
    if (operator === 'between') {
      if (!Array.isArray(operand) || operand.length !== 2) {
        issues.push({ path: [field, operator], message: 'between takes [low, high]' });
        return;
      }
      bound = { op: 'between', value: operand[0], high: operand[1] };
    } else bound = { op: operator, value: operand };
  });
  if (issues.length > 0) throw RepositoryError.validation(name, issues);

  model.keys.check(key, [...pkNames, ...skNames.slice(0, equalCount)]);
  let empty = false;
  if (bound) {
    const field = skNames[equalCount] ?? '';
    const kind = model.definition.fields[field]?.kind;
    if (bound.op === 'beginsWith') {
      if (kind === 'number' || typeof bound.value !== 'string' || bound.value === '')
        throw RepositoryError.validation(name, [{ path: [field, 'beginsWith'], message: 'beginsWith takes a non-empty string and works on string keys' }]);
      model.keys.check({ [field]: bound.value }, [field]);
      // Before another composite, a prefix ending in the start of its separator (`Lee#`, `Lee#fi`) would match `Lee` too.
      const next = pattern.sk?.composites[equalCount + 1];
      const separator = next ? `#${next.label}_` : '';
      const prefix = bound.value;
      if ([...separator].some((_, length) => length > 0 && prefix.endsWith(separator.slice(0, length)))) {
        throw RepositoryError.validation(name, [
          {
            path: [field, 'beginsWith'],
            message: `a prefix of '${field}' cannot end with '${separator.slice(0, -1)}' or its start (it separates '${field}' from '${next?.name}' in the key)`,
          },
        ]);
      }
    } else {
      const values = bound.op === 'between' ? [bound.value, bound.high] : [bound.value];
      values.forEach((operand) => model.keys.check({ [field]: operand === undefined ? null : operand }, [field]));
      if (values.some((operand) => operand === undefined))
        throw RepositoryError.validation(name, [{ path: [field, bound.op], message: 'a value is required' }]);
      // Integer keys: strict bounds become inclusive ones, so the range stays exact.
      if (kind === 'number' && bound.op === 'gt') bound = { op: 'gte', value: Number(bound.value) + 1 };
      if (kind === 'number' && bound.op === 'lt') {
        if (Number(bound.value) === 0) empty = true;
        else bound = { op: 'lte', value: Number(bound.value) - 1 };
      }
      if (bound.op === 'between') {
        // Compared as in the key: followed by the next composite's separator (`Lee Smith#` < `Lee#`).
        const next = pattern.sk?.composites[equalCount + 1];
        const separator = next ? `#${next.label}_` : '';
        const low = model.keys.format(field, bound.value) + separator;
        const high = model.keys.format(field, bound.high) + separator;
        if (compareStrings(low, high) > 0) throw RepositoryError.validation(name, [{ path: [field, 'between'], message: 'between: low is greater than high' }]);
      }
    }
  }
  const { condition, excludeEqual } = model.keys.keyCondition(pattern, key, equalCount, empty ? undefined : bound);
  return {
    pattern,
    condition: empty ? { ...condition, sk: { name: pattern.sk?.field ?? '', op: '=', value: '' } } : condition,
    ...(excludeEqual ? { excludeEqual } : {}),
    ...(empty ? { empty } : {}),
  };
}
