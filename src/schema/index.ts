export { defineEntity, exampleManagedFields, NUMBER_KEY_DIGITS, type EntityDefinition, type EntityOptions } from './define-entity.ts';
export { SchemaDefinitionError, type FieldShape, type ElectroAttribute } from './zod-attributes.ts';
export type {
  AccessPattern,
  AccessPatternName,
  EntityKeys,
  FieldName,
  InferInput,
  InferItem,
  InferKey,
  InferPatternKey,
  KeyTemplate,
  ManagedFields,
} from './types.ts';
