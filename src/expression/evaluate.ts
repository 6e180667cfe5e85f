import type { Comparator, Condition, KeyCondition, UpdateAction } from './types.ts';
import { addDecimal, compareStrings, compareValues, isMap, valuesEqual } from './values.ts';

type Item = Record<string, unknown>;

/** An update that DynamoDB would refuse (an operand of the wrong type). */
export class UpdateTypeError extends Error {
  override readonly name = 'UpdateTypeError';
}

function compare(left: unknown, op: Comparator, right: unknown): boolean {
  if (op === '=') return valuesEqual(left, right);
  if (op === '<>') return !valuesEqual(left, right);
  const order = compareValues(left, right);
  if (order === undefined) return false;
  switch (op) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

function sizeOf(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (value instanceof Set) return value.size;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (value instanceof Uint8Array) return value.byteLength;
  if (isMap(value)) return Object.keys(value).length;
  return undefined;
}

/** Whether a condition holds for an item (an absent item is `{}`), with DynamoDB's rules. */
export function evaluate(condition: Condition, item: Item): boolean {
  switch (condition.kind) {
    case 'compare': {
      const value = item[condition.name];
      if (value === undefined) return condition.op === '<>';
      return compare(value, condition.op, condition.value);
    }
    case 'between': {
      const value = item[condition.name];
      const low = compareValues(value, condition.low);
      const high = compareValues(value, condition.high);
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'beginsWith': {
      const value = item[condition.name];
      return typeof value === 'string' && value.startsWith(condition.value);
    }
    case 'contains': {
      const value = item[condition.name];
      if (typeof value === 'string') return typeof condition.value === 'string' && value.includes(condition.value);
      if (value instanceof Set) return value.has(condition.value);
      if (Array.isArray(value)) return value.some((element) => valuesEqual(element, condition.value));
      return false;
    }
    case 'in': {
      const value = item[condition.name];
      return value !== undefined && condition.values.some((candidate) => valuesEqual(value, candidate));
    }
    case 'exists':
      return item[condition.name] !== undefined;
    case 'notExists':
      return item[condition.name] === undefined;
    case 'size': {
      const size = sizeOf(item[condition.name]);
      return size !== undefined && compare(size, condition.op, condition.value);
    }
    case 'and':
      return condition.conditions.every((part) => evaluate(part, item));
    case 'or':
      return condition.conditions.some((part) => evaluate(part, item));
    case 'not':
      return !evaluate(condition.condition, item);
  }
}

/** Whether an item's key attributes satisfy a Query's key condition. */
export function matchesKey(key: KeyCondition, item: Item): boolean {
  if (item[key.pk.name] !== key.pk.value) return false;
  const sk = key.sk;
  if (!sk) return true;
  const value = item[sk.name];
  if (typeof value !== 'string') return false;
  switch (sk.op) {
    case 'beginsWith':
      return value.startsWith(sk.value);
    case 'between':
      return compareStrings(value, sk.value) >= 0 && compareStrings(value, sk.high) <= 0;
    default:
      return compare(value, sk.op, sk.value);
  }
}

function setOf(current: unknown, name: string): Set<string | number> {
  if (current === undefined) return new Set();
  if (current instanceof Set) return new Set<string | number>(current);
  throw new UpdateTypeError(`'${name}' is not a set`);
}

/** Applies update actions to a copy of the item, as UpdateItem would. */
export function applyUpdate(actions: readonly UpdateAction[], item: Item): Item {
  const next: Item = Object.assign({}, item);
  for (const action of actions) {
    const current = item[action.name];
    switch (action.kind) {
      case 'set':
        next[action.name] = action.value;
        break;
      case 'setIfNotExists':
        if (current === undefined) next[action.name] = action.value;
        break;
      case 'add':
        if (current !== undefined && typeof current !== 'number') throw new UpdateTypeError(`cannot add to '${action.name}': not a number`);
        next[action.name] = current === undefined ? action.value : addDecimal(current, action.value);
        break;
      case 'append':
      case 'prepend': {
        if (current !== undefined && !Array.isArray(current)) throw new UpdateTypeError(`cannot append to '${action.name}': not a list`);
        const list: unknown[] = Array.isArray(current) ? current : [];
        next[action.name] = action.kind === 'append' ? [...list, ...action.values] : [...action.values, ...list];
        break;
      }
      case 'remove':
        delete next[action.name];
        break;
      case 'addToSet': {
        const set = setOf(current, action.name);
        for (const value of action.values) set.add(value);
        next[action.name] = set;
        break;
      }
      case 'deleteFromSet': {
        const set = setOf(current, action.name);
        for (const value of action.values) set.delete(value);
        // DynamoDB cannot hold an empty set: the attribute goes away.
        if (set.size === 0) delete next[action.name];
        else next[action.name] = set;
        break;
      }
    }
  }
  return next;
}
