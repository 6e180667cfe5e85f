export { defineEntity, exampleManagedFields, NUMBER_KEY_DIGITS, type EntityDefinition, type EntityOptions, type UniqueField } from './define-entity.ts';
export { SchemaDefinitionError, type FieldShape, type ElectroAttribute } from './zod-attributes.ts';
export type {
  AccessPattern,
  AccessPatternName,
  EntityKeys,
  FieldName,
  HiddenOf,
  InferInput,
  InferItemWith,
  InferStored,
  SortCondition,
  UniqueOptions,
  InferItem,
  InferKey,
  InferPatternKey,
  KeyTemplate,
  ManagedFields,
} from './types.ts';
