/** Shared helpers of the change-log suites. */
import { randomUUID } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import type { Store } from '../../entities/index.ts';
import type { ChangeInput, ChangeItem } from '../../src/services/index.ts';
import type { AnyRecord } from './support.ts';

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const project = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

export function change(entityType: string, entityId: string, operation: ChangeInput['operation'], data: AnyRecord = {}): ChangeInput {
  return { entityType, entityId, operation, data };
}

/** Every change of a project in seq order, read through paginate (small pages so cursors are followed). */
export async function allChanges(store: Store, projectId: string, pageSize = 100): Promise<ChangeItem[]> {
  const result: ChangeItem[] = [];
  for await (const page of store.changeLog.paginate(projectId, 0, { pageSize })) result.push(...page);
  return result;
}

export const sequenceOf = async (store: Store, projectId: string) => (await store.entities.sequence.getMany([projectId])).items[0]?.value;

/** For every entity, each change but the last is outdated by the next change of that entity; the last by none. */
export function assertOutdatedChains(t: ExecutionContext, changes: readonly ChangeItem[]): void {
  const byEntity = new Map<string, ChangeItem[]>();
  for (const item of changes) {
    const key = JSON.stringify([item.entityType, item.entityId]);
    byEntity.set(key, [...(byEntity.get(key) ?? []), item]);
  }
  const wrong: string[] = [];
  for (const [key, list] of byEntity) {
    list.sort((a, b) => a.seq - b.seq);
    list.forEach((item, index) => {
      const expected = list[index + 1]?.seq;
      if (item.outdatedBy !== expected) wrong.push(`${key} seq ${item.seq}: outdatedBy ${item.outdatedBy}, expected ${expected}`);
    });
  }
  t.deepEqual(wrong.slice(0, 10), [], `${wrong.length} changes with a wrong outdatedBy`);
}
