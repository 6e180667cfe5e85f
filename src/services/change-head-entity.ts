import { z } from 'zod';
import { defineEntity } from '../schema/index.ts';

/**
 * The latest change of one entity in a project, for entities that are not among the recent heads
 * the sequence item carries (the log writes it when an entity leaves them). Read with strong
 * consistency inside the change log's append (GSIs are only eventually consistent), so
 * `outdatedBy` always names the right change; with the recent heads it answers "current state".
 */
export const ChangeHead = defineEntity({
  name: 'changeHead',
  description: "The latest change seq of one entity of a project, once it is no longer among the sequence's recent heads.",
  schema: z.object({
    projectId: z.string().min(1).max(200),
    entityType: z.string().min(1).max(100),
    entityId: z.string().min(1).max(200),
    latestSeq: z.int().positive(),
    operation: z.enum(['create', 'update', 'delete']),
  }),
  keys: {
    primary: { pk: ['projectId'], sk: ['entityType', 'entityId'], description: 'Latest change per entity of a project (current state)' },
  },
  // Written in the append transaction, under the sequence's `value = v`.
  versioned: false,
  example: { projectId: 'project-1', entityType: 'document', entityId: 'doc-7', latestSeq: 42, operation: 'update' },
});
