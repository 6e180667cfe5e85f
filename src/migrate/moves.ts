import { RepositoryError } from '../errors/index.ts';
import { primaryKeyOf, type EntityModel, type Operation, moveOperations, type Upgrade } from '../entity/index.ts';
import { itemSize, type UpdateAction } from '../expression/index.ts';
import type { RawItem } from '../storage/index.ts';
import type { TableLayout } from '../table/index.ts';
import type { Migration } from './define.ts';
import { MigrationError } from './errors.ts';

type Item = Record<string, unknown>;

/** TransactWriteItems takes 100 actions and 4 MB; one action stays free for the checkpoint. */
const MAX_ACTIONS = 99;
const MAX_TRANSACTION_BYTES = 3_500_000;

/** One item of a page, ready to send: its writes (none when there is nothing to do) and how it counts. */
export interface Prepared {
  readonly raw: RawItem;
  readonly operations: readonly Operation[];
  readonly outcome: 'migrated' | 'skipped';
  readonly bytes: number;
}

/** What one stored item becomes: the writes that move it (or backfill its index keys), validated before anything is sent. */
export class ItemMoves {
  constructor(
    private readonly migration: Migration,
    private readonly table: { readonly definition: TableLayout },
    private readonly from: EntityModel,
    private readonly to: EntityModel,
    private readonly upgrade: Upgrade,
    private readonly claims: EntityModel | undefined,
  ) {}

  keyOf(raw: RawItem): Item {
    return primaryKeyOf(this.from, raw);
  }

  invalid(raw: RawItem, error: unknown): MigrationError {
    const issues = error instanceof RepositoryError ? error.issues : [];
    const key = this.keyOf(raw);
    const detail = issues.length > 0 ? issues.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`).join('; ') : String(error);
    return new MigrationError('invalidItem', `${this.migration.name}: the item ${JSON.stringify(key)} cannot be migrated: ${detail}`, {
      migration: this.migration.name,
      key,
      issues,
      cause: error,
    });
  }

  /** The writes for one stored item; an invalid result stops the run before anything of its page is sent. */
  prepare(raw: RawItem): Prepared {
    try {
      if (this.migration.type === 'backfill') return this.prepareBackfill(raw);
      const { operations, newRaw } = moveOperations(this.upgrade, this.claims, raw);
      return { raw, operations, outcome: 'migrated', bytes: itemSize(newRaw) + 200 };
    } catch (error) {
      if (error instanceof RepositoryError && error.code === 'validation') throw this.invalid(raw, error);
      throw error;
    }
  }

  /** A backfill rewrites the index keys that differ from what the definition builds (set missing ones, remove stale ones). */
  private prepareBackfill(raw: RawItem): Prepared {
    const model = this.to;
    const stored = model.strip(raw);
    model.keys.check(stored, model.definition.keyFields, model.idOf(stored));
    const built = model.keys.itemKeys(stored);
    const primary = new Set(Object.keys(primaryKeyOf(model, raw)));
    const indexFields = Object.values(this.table.definition.indexes).flatMap((index) => [index.pk, ...(index.sk ? [index.sk] : [])]);
    const actions: UpdateAction[] = [];
    for (const field of indexFields) {
      if (primary.has(field)) continue;
      if (built[field] !== undefined && built[field] !== raw[field]) actions.push({ kind: 'set', name: field, value: built[field] });
      else if (built[field] === undefined && raw[field] !== undefined) actions.push({ kind: 'remove', name: field });
    }
    if (actions.length === 0) return { raw, operations: [], outcome: 'skipped', bytes: 0 };
    const id = model.idOf(stored);
    const operation: Operation = {
      entity: model.name,
      id,
      write: { kind: 'update', key: primaryKeyOf(model, raw), actions },
      guards: [
        {
          condition: this.upgrade.unchanged(raw),
          error: () => new RepositoryError('conflict', `${model.name} ${JSON.stringify(id)}: changed`, { id, entity: model.name, cause: 'changed' }),
        },
      ],
    };
    return { raw, operations: [operation], outcome: 'migrated', bytes: itemSize(built) + 200 };
  }
}

/** Groups a page's items into transactions within DynamoDB's limits (actions, bytes) and batchSize. */
export function* batches(items: readonly Prepared[], batchSize: number): Generator<Prepared[]> {
  let batch: Prepared[] = [];
  let actions = 0;
  let bytes = 0;
  for (const item of items) {
    const full = batch.length >= batchSize || actions + item.operations.length > MAX_ACTIONS || bytes + item.bytes > MAX_TRANSACTION_BYTES;
    if (full && batch.length > 0) {
      yield batch;
      batch = [];
      actions = 0;
      bytes = 0;
    }
    batch.push(item);
    actions += item.operations.length;
    bytes += item.bytes;
  }
  if (batch.length > 0) yield batch;
}
