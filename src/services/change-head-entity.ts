import { z } from 'zod';
import { defineEntity } from '../schema/index.ts';

/**
 * The latest change of one entity in a project. Read with strong consistency inside the change
 * log's append (GSIs are only eventually consistent), so `outdatedBy` is always set on the right
 * change; it also answers "current state per entity" with one Query.
 */
export const ChangeHead = defineEntity({
  name: 'changeHead',
  description: 'The latest change seq of one entity of a project (the change log keeps it in the append transaction).',
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
  // Guarded by latestSeq in the append transaction.
  versioned: false,
  example: { projectId: 'project-1', entityType: 'document', entityId: 'doc-7', latestSeq: 42, operation: 'update' },
});
