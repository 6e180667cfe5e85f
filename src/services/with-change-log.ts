import { createEntityApi, type BoundTable, type Repository } from '../entity/index.ts';
import type { EntityMap } from '../table/index.ts';
import type { ChangeLog } from './change-log.ts';

export interface WithChangeLogOptions {
  /** The change log that records the writes. */
  changeLog: ChangeLog;
  /** The project whose change log records this entity's writes. */
  projectId: string;
}

/**
 * The entity's API whose every write (create, save, patch, update, delete, batches) appends
 * the matching change to the project's change log in the SAME transaction: both or neither.
 * Writes read the item first, so the change carries the item as it is after the write.
 */
export function withChangeLog<E extends EntityMap, K extends keyof E & string>(
  table: Pick<BoundTable<E>, 'contextOf' | 'entities'>,
  entity: K,
  options: WithChangeLogOptions,
): Repository<E[K]> {
  const { changeLog, projectId } = options;
  return createEntityApi<E[K]>(table.contextOf(entity, { record: (writes, recordOptions) => changeLog.record(projectId, writes, recordOptions) }));
}
