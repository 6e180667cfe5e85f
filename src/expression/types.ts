/**
 * The expression language tablekit speaks to DynamoDB, as data: conditions, key conditions and
 * update actions on top-level attributes. One structure is rendered into DynamoDB expressions
 * (render.ts) and evaluated by the in-memory twin and by the error explainer (evaluate.ts), so
 * both backends follow the same rules.
 */

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { readonly kind: 'compare'; readonly name: string; readonly op: Comparator; readonly value: unknown }
  | { readonly kind: 'between'; readonly name: string; readonly low: unknown; readonly high: unknown }
  | { readonly kind: 'beginsWith'; readonly name: string; readonly value: string }
  | { readonly kind: 'contains'; readonly name: string; readonly value: unknown }
  | { readonly kind: 'in'; readonly name: string; readonly values: readonly unknown[] }
  | { readonly kind: 'exists'; readonly name: string }
  | { readonly kind: 'notExists'; readonly name: string }
  /** size() of a list or set compared with a number. */
  | { readonly kind: 'size'; readonly name: string; readonly op: Comparator; readonly value: number }
  | { readonly kind: 'and'; readonly conditions: readonly Condition[] }
  | { readonly kind: 'or'; readonly conditions: readonly Condition[] }
  | { readonly kind: 'not'; readonly condition: Condition };

/** One action of an UpdateItem, on a top-level attribute. */
export type UpdateAction =
  | { readonly kind: 'set'; readonly name: string; readonly value: unknown }
  | { readonly kind: 'setIfNotExists'; readonly name: string; readonly value: unknown }
  /** ADD to a number (a missing attribute counts as 0). */
  | { readonly kind: 'add'; readonly name: string; readonly value: number }
  | { readonly kind: 'append'; readonly name: string; readonly values: readonly unknown[] }
  | { readonly kind: 'prepend'; readonly name: string; readonly values: readonly unknown[] }
  | { readonly kind: 'remove'; readonly name: string }
  | { readonly kind: 'addToSet'; readonly name: string; readonly values: ReadonlySet<string | number> }
  | { readonly kind: 'deleteFromSet'; readonly name: string; readonly values: ReadonlySet<string | number> };

/** A Query's KeyConditionExpression on built key strings. */
export interface KeyCondition {
  readonly pk: { readonly name: string; readonly value: string };
  readonly sk?:
    | { readonly name: string; readonly op: '=' | '<' | '<=' | '>' | '>='; readonly value: string }
    | { readonly name: string; readonly op: 'between'; readonly value: string; readonly high: string }
    | { readonly name: string; readonly op: 'beginsWith'; readonly value: string };
}

/** Conditions joined with AND (undefined ones left out); undefined when none is left. */
export function and(first: Condition, ...rest: (Condition | undefined)[]): Condition;
export function and(...conditions: (Condition | undefined)[]): Condition | undefined;
export function and(...conditions: (Condition | undefined)[]): Condition | undefined {
  const present = conditions.filter((condition): condition is Condition => condition !== undefined);
  if (present.length <= 1) return present[0];
  return { kind: 'and', conditions: present };
}

export const or = (...conditions: Condition[]): Condition => (conditions.length === 1 ? (conditions[0] as Condition) : { kind: 'or', conditions });
