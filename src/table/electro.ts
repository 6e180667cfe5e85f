import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Entity, Service, type Schema } from 'electrodb';
import type { EntityDefinition } from '../schema/index.ts';
import type { EntityMap, TableLayout } from './define-table.ts';

export type ElectroSchema = Schema<string, string, string>;
export type ElectroEntity = Entity<string, string, string, ElectroSchema>;
export type ElectroService = Service<Record<string, ElectroEntity>>;

/** The ElectroDB model of one entity: the only place where key formats are decided. */
export function electroSchemaOf(table: TableLayout, entity: EntityDefinition): ElectroSchema {
  const indexes: Record<string, ElectroSchema['indexes'][string]> = {};
  for (const pattern of table.patterns.filter((p) => p.entity === entity.name)) {
    const { keys, template } = pattern;
    indexes[pattern.pattern] = {
      ...(pattern.indexName ? { index: pattern.indexName } : {}),
      ...(template.collection ? { collection: template.collection } : {}),
      // Keys keep the case of their values: 'A' and 'a' are different ids.
      pk: { field: keys.pk, composite: template.pk, casing: 'none' },
      ...(keys.sk ? { sk: { field: keys.sk, composite: template.sk ?? [], casing: 'none' } } : {}),
    };
  }
  return {
    model: { entity: entity.name, version: String(entity.version), service: table.service },
    attributes: entity.attributes as ElectroSchema['attributes'],
    indexes,
  };
}

export interface ElectroModel {
  entities: Record<string, ElectroEntity>;
  service: ElectroService;
}

/** ElectroDB entities and the Service (collections, transactions) for one physical table. */
export function buildElectro<E extends EntityMap>(table: TableLayout<E>, tableName: string, client?: DynamoDBDocumentClient): ElectroModel {
  const config = { table: tableName, ...(client ? { client } : {}) };
  const entities: Record<string, ElectroEntity> = {};
  for (const entity of [...Object.values(table.entities), ...table.internalEntities]) {
    entities[entity.name] = new Entity(electroSchemaOf(table, entity), config);
  }
  const service = new Service(entities, config) as ElectroService;
  return { entities, service };
}
