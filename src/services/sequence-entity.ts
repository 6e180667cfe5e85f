import { z } from 'zod';
import { defineEntity } from '../schema/index.ts';

/**
 * The last seq handed out in a project; moved from v to v+n in the transaction that writes n
 * changes. It also carries the latest change of the project's most recently changed entities
 * (`heads`): an entity in there needs no head item write when it changes again.
 */
export const Sequence = defineEntity({
  name: 'sequence',
  description: "The last change seq of a project (the change log's counter) and the latest change of its recently changed entities.",
  schema: z.object({
    projectId: z.string().min(1).max(200),
    value: z.int().min(0),
    /**
     * The latest change of the most recently changed entities, oldest first, as JSON text
     * `[[entityType, entityId, seq, operation], …]`: one string costs DynamoDB far less to
     * rewrite on every append than a map of as many entries.
     */
    heads: z.string().max(65_536).optional(),
  }),
  keys: {
    primary: { pk: ['projectId'], sk: [], description: "Read a project's current sequence value" },
  },
  // `value` is its own version: moved from v to v+n under `value = v`.
  versioned: false,
  example: { projectId: 'project-1', value: 42, heads: '[["document","doc-7",42,"update"]]' },
});
