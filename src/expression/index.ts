export type { Comparator, Condition, KeyCondition, UpdateAction } from './types.ts';
export { and, or } from './types.ts';
export { ExpressionBuilder } from './render.ts';
export { evaluate, matchesKey, applyUpdate, UpdateTypeError } from './evaluate.ts';
export { addDecimal, compareStrings, compareValues, isMap, itemSize, typeOf, valueSize, valuesEqual, type DynamoType } from './values.ts';
