import { z } from 'zod';
import { defineEntity } from '../schema/index.ts';

/** The last seq handed out in a project; moved from v to v+n in the transaction that writes n changes. */
export const Sequence = defineEntity({
  name: 'sequence',
  description: "The last change seq of a project (the change log's counter).",
  schema: z.object({
    projectId: z.string().min(1).max(200),
    value: z.int().min(0),
  }),
  keys: {
    primary: { pk: ['projectId'], sk: [], description: "Read a project's current sequence value" },
  },
  // `value` is its own version: moved from v to v+n under `value = v`.
  versioned: false,
  example: { projectId: 'project-1', value: 42 },
});
