import type { Connection } from '../connection/index.ts';
import { exampleItem, generateSample } from '../docs/index.ts';
import type { BoundTable, Repository, TableDefinition } from '../entity/index.ts';
import { isRepositoryError } from '../errors/index.ts';
import type { EntityDefinition } from '../schema/index.ts';
import type { EntityMap } from '../table/index.ts';
import { step, type Print } from './print.ts';

type Item = Record<string, unknown>;

const pick = (item: Item, fields: readonly string[]) => Object.fromEntries(fields.map((field) => [field, item[field]]));
// The tour works on any entity, so ids are built at runtime: the API validates them like any input.
const idOf = (api: Repository<EntityDefinition>, sample: Item) =>
  (api.entity.idFields.length === 1 ? sample[api.entity.idFields[0] as string] : pick(sample, api.entity.idFields)) as never;

/**
 * A tour of any table: writes each entity's example (validated), reads it back by id, runs
 * every declared access pattern with the example's keys, shows a refused invalid write, and
 * removes what it wrote.
 */
export async function runDemo<E extends EntityMap>(
  definition: TableDefinition<E>,
  connection: Connection,
  options: { tableName?: string; print?: Print } = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const table: BoundTable<E> = definition.bind(connection, options.tableName ? { tableName: options.tableName } : {});
  const apis = table.entities as Record<string, Repository<EntityDefinition>>;
  // Samples first: a table whose samples cannot be built is refused before anything is created.
  // An example's TTL is a fixed date that eventually lies in the past, and DynamoDB (DynamoDB Local too)
  // deletes expired items at any moment: the tour's samples expire in a day instead.
  const expires = Math.floor(Date.now() / 1000) + 86_400;
  const sampleOf = (entity: EntityDefinition): Item => {
    const generated = entity.example ? undefined : generateSample(entity);
    const [problem] = generated?.problems ?? [];
    if (problem)
      throw new Error(
        `entity '${entity.name}' has no example and no valid sample could be generated (${problem.path}: ${problem.message}): declare an \`example\``,
      );
    const item = exampleItem(entity) as Item;
    const ttl = entity.ttl ?? definition.ttlAttribute;
    return ttl !== undefined && typeof item[ttl] === 'number' ? { ...item, [ttl]: expires } : item;
  };
  const samples = new Map(Object.values(definition.entities).map((entity) => [entity.name, sampleOf(entity)]));
  print(`\nTable '${table.tableName}' on ${connection.endpoint ?? `AWS ${connection.region}`} (${connection.source})`);
  await step(
    'ensure table (create, wait ACTIVE, TTL)',
    print,
    () => table.ensure(),
    (r) => (r.created ? 'created' : 'already there'),
  );

  print("\nWrites (zod-validated, keys built from ElectroDB's formats, conditional create):");
  for (const [name, sample] of samples) {
    const api = apis[name];
    if (api)
      await step(
        `create ${name}`,
        print,
        () => api.create(sample),
        (item) => `version ${String((item as Item).version ?? '-')}`,
      );
  }
  print('\nReads by id (GetItem):');
  for (const [name, sample] of samples) {
    const api = apis[name];
    if (api)
      await step(
        `get ${name}`,
        print,
        () => api.get(idOf(api, sample)),
        () => 'found',
      );
  }
  print('\nEvery declared access pattern (a Query with its key condition, never a Scan):');
  for (const pattern of definition.patterns) {
    const api = apis[pattern.entity];
    const sample = samples.get(pattern.entity);
    if (!api || !sample) continue;
    const label = `${pattern.entity}.${pattern.pattern} (${pattern.indexName ?? 'table'})`;
    const page = await step(
      label,
      print,
      () => api.page({ pattern: pattern.pattern, key: pick(sample, pattern.template.pk) } as never),
      (r) => `${r.items.length} item(s)`,
    );
    if (page.items.length === 0) throw new Error(`access pattern ${label} returned nothing`);
  }
  print('\nBad input is refused before anything is sent:');
  const [firstName, firstSample] = [...samples][0] ?? [];
  const firstApi = firstName ? apis[firstName] : undefined;
  if (firstApi && firstSample) {
    try {
      await firstApi.create({ ...firstSample, notAField: true });
      throw new Error('an unknown field was accepted');
    } catch (error) {
      if (!isRepositoryError(error, 'validation')) throw error;
      print(`  RepositoryError(${error.code}): ${error.message}`);
    }
  }
  print('\nClean up (the tour leaves nothing behind):');
  for (const [name, sample] of samples) {
    const api = apis[name];
    if (api)
      await step(
        `delete ${name}`,
        print,
        () => api.delete(idOf(api, sample)),
        () => 'deleted',
      );
  }
}
