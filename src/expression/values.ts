/**
 * DynamoDB's value semantics for JavaScript values as the DocumentClient maps them: string S,
 * number N, boolean BOOL, null NULL, Uint8Array B, Set of strings SS, Set of numbers NS,
 * array L, plain object M.
 */

export type DynamoType = 'S' | 'N' | 'BOOL' | 'NULL' | 'B' | 'SS' | 'NS' | 'L' | 'M' | 'unknown';

export function typeOf(value: unknown): DynamoType {
  if (typeof value === 'string') return 'S';
  if (typeof value === 'number') return 'N';
  if (typeof value === 'boolean') return 'BOOL';
  if (value === null) return 'NULL';
  if (value instanceof Uint8Array) return 'B';
  if (value instanceof Set) {
    const first = value.values().next().value;
    return typeof first === 'number' ? 'NS' : 'SS';
  }
  if (Array.isArray(value)) return 'L';
  if (typeof value === 'object' && value !== undefined) return 'M';
  return 'unknown';
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** DynamoDB orders strings by their UTF-8 bytes (not UTF-16 code units). */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Order of two values of the same scalar type (S, N, B); undefined when they cannot be compared. */
export function compareValues(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  return undefined;
}

/** DynamoDB equality: maps ignore key order, sets ignore element order, lists are ordered. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (typeOf(a) !== typeOf(b)) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b) === 0;
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((element) => b.has(element));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((element, index) => valuesEqual(element, b[index]));
  if (isMap(a) && isMap(b)) {
    const left = Object.entries(a).filter(([, value]) => value !== undefined);
    const rightCount = Object.values(b).filter((value) => value !== undefined).length;
    return left.length === rightCount && left.every(([key, value]) => Object.hasOwn(b, key) && valuesEqual(value, b[key]));
  }
  return a === b;
}

/** Exact decimal sum of two numbers, as DynamoDB computes ADD on their decimal representations. */
export function addDecimal(a: number, b: number): number {
  const parse = (value: number) => {
    const [mantissa = '0', exponent = '0'] = value.toExponential().split('e');
    const [whole = '0', fraction = ''] = mantissa.replace('-', '').split('.');
    const digits = BigInt(whole + fraction) * (value < 0 ? -1n : 1n);
    return { digits, scale: fraction.length - Number(exponent) };
  };
  const left = parse(a);
  const right = parse(b);
  const scale = Math.max(left.scale, right.scale);
  const align = (part: { digits: bigint; scale: number }) => part.digits * 10n ** BigInt(scale - part.scale);
  const sum = align(left) + align(right);
  if (scale <= 0) return Number(sum * 10n ** BigInt(-scale));
  const negative = sum < 0n;
  const text = (negative ? -sum : sum).toString().padStart(scale + 1, '0');
  return Number(`${negative ? '-' : ''}${text.slice(0, -scale)}.${text.slice(-scale)}`);
}

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function numberSize(value: number): number {
  const digits = Math.abs(value).toExponential().split('e')[0]?.replace('.', '') ?? '';
  return Math.ceil(digits.replace(/0+$/, '').length / 2) + 1;
}

/** DynamoDB's size of one value (names excluded), per its documented item-size rules. */
export function valueSize(value: unknown): number {
  if (typeof value === 'string') return utf8Bytes(value);
  if (typeof value === 'number') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Set) return [...value].reduce<number>((sum, element) => sum + valueSize(element), 0);
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + valueSize(element) + 1, 0);
  if (isMap(value))
    return 3 + Object.entries(value).reduce((sum, [name, element]) => (element === undefined ? sum : sum + utf8Bytes(name) + valueSize(element) + 1), 0);
  return 0;
}

/** DynamoDB's size of an item: every attribute name plus its value, in bytes. */
export function itemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) size += utf8Bytes(name) + valueSize(value);
  return size;
}

/** A plain object (a DynamoDB map), as opposed to a list, set, binary, Date or null. */
export function isMap(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Set) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date)
  );
}
