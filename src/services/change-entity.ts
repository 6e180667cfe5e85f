import { z } from 'zod';
import { defineEntity } from '../schema/index.ts';

/** One entry of a project's change log; seq is gapless per project (see the sequence entity). */
export const Change = defineEntity({
  name: 'change',
  description: "One entry of a project's change log, numbered without gaps per project.",
  schema: z.object({
    projectId: z.string().min(1).max(200),
    seq: z.int().positive(),
    entityType: z.string().min(1).max(100),
    entityId: z.string().min(1).max(200),
    operation: z.enum(['create', 'update', 'delete']),
    timestamp: z.iso.datetime(),
    data: z.record(z.string(), z.unknown()),
    /** Seq of the later change of the same entity that supersedes this one. */
    outdatedBy: z.int().positive().optional(),
  }),
  keys: {
    primary: { pk: ['projectId'], sk: ['seq'], description: "A project's changes in seq order (since N)" },
    entityHistory: { index: 'gsi1', pk: ['projectId', 'entityType', 'entityId'], sk: ['seq'], description: 'History of one entity in seq order' },
    byType: { index: 'gsi2', pk: ['projectId', 'entityType'], sk: ['seq'], description: "A project's changes of one entity type" },
  },
  // Changes are immutable (outdatedBy aside): the log's sequence is their only version.
  versioned: false,
  example: {
    projectId: 'project-1',
    seq: 42,
    entityType: 'document',
    entityId: 'doc-7',
    operation: 'update',
    timestamp: '2026-01-01T12:00:00.000Z',
    data: { title: 'Draft 2' },
  },
});
