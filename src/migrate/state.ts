import { z } from 'zod';
import { mapError } from '../errors/index.ts';
import { modelFor, type EntityModel } from '../entity/index.ts';
import { isMap, type UpdateAction } from '../expression/index.ts';
import { defineEntity } from '../schema/index.ts';
import type { RawItem, Storage, TransactWriteItem } from '../storage/index.ts';
import type { TableLayout } from '../table/index.ts';
import { MigrationError } from './errors.ts';

/**
 * The state of migrations, kept in the migrated table itself: per migration one `record` item
 * (running / done, totals) and one checkpoint per Scan segment (its LastEvaluatedKey and
 * counts). Counts move in the same transaction as the items they count, so they are exact
 * even when a run is killed.
 */
export const MigrationState = defineEntity({
  name: 'tablekitMigration',
  description: 'A migration of the table (record) or one Scan segment of it (checkpoint): status, resume key and counts.',
  schema: z.object({
    migration: z.string().min(1),
    /** `record`, or `segment#0003`. */
    part: z.string().min(1),
    status: z.enum(['running', 'done']),
    entity: z.string(),
    fromVersion: z.int(),
    toVersion: z.int(),
    /** Scan segments of the run the checkpoints belong to. */
    segments: z.int().min(1),
    /** JSON of the segment's LastEvaluatedKey: where a rerun continues. */
    lastKey: z.string().optional(),
    scanned: z.int().min(0).default(0),
    migrated: z.int().min(0).default(0),
    skipped: z.int().min(0).default(0),
    failed: z.int().min(0).default(0),
    /** Full passes over the table (a pass that left failed items is followed by another). */
    passes: z.int().min(0).default(0),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  }),
  keys: { primary: { pk: ['migration'], sk: ['part'], description: 'A migration and its segment checkpoints' } },
  versioned: false,
});

export interface Counts {
  scanned: number;
  migrated: number;
  skipped: number;
  failed: number;
}

export const zero = (): Counts => ({ scanned: 0, migrated: 0, skipped: 0, failed: 0 });

export interface StateItem extends Counts {
  readonly status: 'running' | 'done';
  readonly segments: number;
  readonly lastKey: RawItem | undefined;
  readonly passes: number;
  readonly startedAt: string | undefined;
  readonly finishedAt: string | undefined;
}

function parseKey(text: string): RawItem | undefined {
  const parsed: unknown = JSON.parse(text);
  return isMap(parsed) ? parsed : undefined;
}

export const segmentPart = (segment: number) => `segment#${String(segment).padStart(4, '0')}`;
/** The counter of one more transaction lane of a segment (lane 0 counts in the segment's checkpoint). */
export const lanePart = (segment: number, lane: number) => (lane === 0 ? segmentPart(segment) : `${segmentPart(segment)}#lane#${lane}`);

/** Reads and writes the state items of one migration through the table's storage. */
export class StateStore {
  readonly model: EntityModel;

  constructor(
    layout: TableLayout,
    private readonly storage: Storage,
    readonly migration: string,
    private readonly about: { entity: string; fromVersion: number; toVersion: number },
  ) {
    if (!layout.indexes.primary.sk)
      throw new MigrationError('invalidPlan', `table '${layout.name}': migrations keep their state under a sort key, and this table's primary key has none`);
    this.model = modelFor(layout, MigrationState);
  }

  key(part: string): RawItem {
    return this.model.keys.primaryKey({ migration: this.migration, part });
  }

  async read(part: string): Promise<StateItem | undefined> {
    const raw = await this.storage.get({ key: this.key(part), consistent: true }).catch((error: unknown) => {
      throw mapError(error, {});
    });
    return raw ? this.decode(raw) : undefined;
  }

  /** Every state item of the migration (record, checkpoints, lane counters) by part: one Query. */
  async readAll(): Promise<Map<string, StateItem>> {
    const { pk } = this.model.keys.primary;
    const value = this.model.keys.required(pk, { migration: this.migration });
    const parts = new Map<string, StateItem>();
    let startKey: RawItem | undefined;
    do {
      const page = await this.storage.query({
        indexName: undefined,
        key: { pk: { name: pk.field, value } },
        forward: true,
        consistent: true,
        ...(startKey ? { startKey } : {}),
      });
      for (const raw of page.items) if (raw.__edb_e__ === MigrationState.name && typeof raw.part === 'string') parts.set(raw.part, this.decode(raw));
      startKey = page.lastKey;
    } while (startKey);
    return parts;
  }

  private decode(raw: RawItem): StateItem {
    const item = this.model.decode(raw);
    const number = (name: string) => (typeof item[name] === 'number' ? item[name] : 0);
    return {
      status: item.status === 'done' ? 'done' : 'running',
      segments: number('segments') || 1,
      lastKey: typeof item.lastKey === 'string' ? parseKey(item.lastKey) : undefined,
      passes: number('passes'),
      scanned: number('scanned'),
      migrated: number('migrated'),
      skipped: number('skipped'),
      failed: number('failed'),
      startedAt: typeof item.startedAt === 'string' ? item.startedAt : undefined,
      finishedAt: typeof item.finishedAt === 'string' ? item.finishedAt : undefined,
    };
  }

  /** Writes a whole state item (a new run, a new pass, the final record). */
  async write(part: string, state: Omit<StateItem, 'lastKey'> & { lastKey?: RawItem | undefined }): Promise<void> {
    const { raw } = this.model.prepare(
      {
        migration: this.migration,
        part,
        ...this.about,
        status: state.status,
        segments: state.segments,
        ...(state.lastKey ? { lastKey: JSON.stringify(state.lastKey) } : {}),
        scanned: state.scanned,
        migrated: state.migrated,
        skipped: state.skipped,
        failed: state.failed,
        passes: state.passes,
        ...(state.startedAt ? { startedAt: state.startedAt } : {}),
        ...(state.finishedAt ? { finishedAt: state.finishedAt } : {}),
      },
      {},
      new Date().toISOString(),
    );
    await this.storage.put({ item: raw });
  }

  /** The counter update of a segment checkpoint, to send in the same transaction as the items it counts. */
  countUpdate(part: string, counts: Counts): TransactWriteItem {
    const actions: UpdateAction[] = (['scanned', 'migrated', 'skipped', 'failed'] as const).map((name) => ({ kind: 'add', name, value: counts[name] }));
    return { update: { key: this.key(part), actions, condition: { kind: 'exists', name: this.model.keys.primary.pk.field } } };
  }

  /** Moves a segment's resume key (after a page's writes committed), or marks it done. */
  async advance(part: string, lastKey: RawItem | undefined): Promise<void> {
    const actions: UpdateAction[] = lastKey
      ? [{ kind: 'set', name: 'lastKey', value: JSON.stringify(lastKey) }]
      : [
          { kind: 'set', name: 'status', value: 'done' },
          { kind: 'remove', name: 'lastKey' },
        ];
    await this.storage.update({ key: this.key(part), actions });
  }
}
