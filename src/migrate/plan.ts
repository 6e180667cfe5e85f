import type { EntityDefinition } from '../schema/index.ts';
import type { TableLayout } from '../table/index.ts';
import { isMigration, type Migration } from './define.ts';
import { MigrationError } from './errors.ts';

/**
 * Checks a list of migrations against the table and puts them in running order: per entity,
 * its version steps from the oldest version up to the table's, then its backfills; entities in
 * the order they first appear. A gap, a cycle, two migrations for one step, a chain that does
 * not end at the table's version, or two migrations with one name: a MigrationError, before
 * anything is read or written.
 */
export function planMigrations(table: TableLayout, migrations: readonly unknown[]): Migration[] {
  if (!Array.isArray(migrations)) throw new MigrationError('invalidPlan', 'migrate() takes an array of migrations (defineMigration(...))');
  const given: Migration[] = [];
  for (const [index, migration] of migrations.entries()) {
    if (!isMigration(migration)) throw new MigrationError('invalidPlan', `migration #${index + 1} is not a migration (defineMigration(...))`);
    given.push(migration);
  }
  const names = new Map<string, Migration>();
  for (const migration of given) {
    if (names.has(migration.name)) throw new MigrationError('invalidPlan', `two migrations are named '${migration.name}'`, { migration: migration.name });
    names.set(migration.name, migration);
  }
  const entities = new Map<string, Migration[]>();
  for (const migration of given) {
    const entity = Object.values(table.entities).find((candidate) => candidate.name === migration.entity);
    if (!entity) throw new MigrationError('invalidPlan', `${migration.name}: the table has no entity '${migration.entity}'`, { migration: migration.name });
    entities.set(entity.name, [...(entities.get(entity.name) ?? []), migration]);
  }
  const ordered: Migration[] = [];
  for (const [name, list] of entities) {
    const entity = Object.values(table.entities).find((candidate) => candidate.name === name);
    if (!entity) continue;
    ordered.push(
      ...chainOf(
        entity,
        list.filter((migration) => migration.type === 'version'),
      ),
    );
    for (const backfill of list.filter((migration) => migration.type === 'backfill')) {
      if (backfill.to.version !== entity.version)
        throw new MigrationError(
          'invalidPlan',
          `${backfill.name}: backfills ${name} v${backfill.to.version}, but the table's ${name} is v${entity.version} (a backfill is for the current version)`,
          { migration: backfill.name },
        );
      ordered.push(backfill);
    }
  }
  return ordered;
}

/** The version steps of one entity as one chain ending at its version in the table. */
function chainOf(entity: EntityDefinition, steps: readonly Migration[]): Migration[] {
  if (steps.length === 0) return [];
  const name = entity.name;
  const bySource = new Map<number, Migration>();
  for (const step of steps) {
    const other = bySource.get(step.from.version);
    if (other)
      throw new MigrationError(
        'invalidPlan',
        `two migrations for the same step of ${name} from v${step.from.version}: '${other.name}' (→ v${other.to.version}) and '${step.name}' (→ v${step.to.version})`,
        { migration: step.name },
      );
    bySource.set(step.from.version, step);
  }
  const targets = new Set(steps.map((step) => step.to.version));
  // A cycle: following the steps from some version comes back to it.
  for (const start of bySource.keys()) {
    const seen = [start];
    let at = bySource.get(start);
    while (at) {
      if (seen.includes(at.to.version)) {
        throw new MigrationError('invalidPlan', `the migrations of ${name} form a cycle: v${[...seen, at.to.version].join(' → v')}`, { migration: at.name });
      }
      seen.push(at.to.version);
      at = bySource.get(at.to.version);
    }
  }
  const roots = [...bySource.keys()].filter((version) => !targets.has(version)).sort((a, b) => a - b);
  const chain: Migration[] = [];
  let at = bySource.get(roots[0] ?? Number.NaN);
  while (at) {
    chain.push(at);
    at = bySource.get(at.to.version);
  }
  const last = chain[chain.length - 1];
  if (roots.length > 1 || chain.length !== steps.length) {
    const next = roots.find((root) => root > (last?.to.version ?? 0)) ?? roots[1];
    throw new MigrationError(
      'invalidPlan',
      `the migrations of ${name} have a gap: nothing migrates v${last?.to.version} to v${next} (chain v${chain.map((step) => step.from.version).join(' → v')} → v${last?.to.version})`,
      { migration: last?.name },
    );
  }
  if (!last || last.to.version !== entity.version) {
    throw new MigrationError(
      'invalidPlan',
      `the migrations of ${name} end at v${last?.to.version}, but the table's ${name} is v${entity.version}${last && last.to.version < entity.version ? ` (a gap: nothing migrates v${last.to.version} to v${entity.version})` : ''}`,
      { migration: last?.name },
    );
  }
  for (const step of chain) {
    if (step.to.version < step.from.version)
      throw new MigrationError('invalidPlan', `${step.name}: goes down from v${step.from.version} to v${step.to.version}; migrations move up`, {
        migration: step.name,
      });
  }
  return chain;
}
