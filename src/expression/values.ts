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
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  switch (type) {
    case 'B':
      return compareBytes(a as Uint8Array, b as Uint8Array) === 0;
    case 'SS':
    case 'NS': {
      const left = a as Set<unknown>;
      const right = b as Set<unknown>;
      return left.size === right.size && [...left].every((element) => right.has(element));
    }
    case 'L': {
      const left = a as unknown[];
      const right = b as unknown[];
      return left.length === right.length && left.every((element, index) => valuesEqual(element, right[index]));
    }
    case 'M': {
      const left = Object.entries(a as Record<string, unknown>).filter(([, value]) => value !== undefined);
      const right = b as Record<string, unknown>;
      const rightCount = Object.values(right).filter((value) => value !== undefined).length;
      return left.length === rightCount && left.every(([key, value]) => Object.hasOwn(right, key) && valuesEqual(value, right[key]));
    }
    default:
      return a === b;
  }
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
  switch (typeOf(value)) {
    case 'S':
      return utf8Bytes(value as string);
    case 'N':
      return numberSize(value as number);
    case 'B':
      return (value as Uint8Array).byteLength;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'NS':
      return [...(value as Set<unknown>)].reduce<number>((sum, element) => sum + valueSize(element), 0);
    case 'L':
      return 3 + (value as unknown[]).reduce<number>((sum, element) => sum + valueSize(element) + 1, 0);
    case 'M':
      return (
        3 +
        Object.entries(value as Record<string, unknown>).reduce(
          (sum, [name, element]) => (element === undefined ? sum : sum + utf8Bytes(name) + valueSize(element) + 1),
          0,
        )
      );
    default:
      return 0;
  }
}

/** DynamoDB's size of an item: every attribute name plus its value, in bytes. */
export function itemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) size += utf8Bytes(name) + valueSize(value);
  return size;
}
