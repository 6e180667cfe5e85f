import { z } from 'zod';
import { defineEntity } from '../schema/index.ts';

/** Seqs per links item: a page of changes needs few of them, and each stays small (≤ 100 pairs). */
export const LINK_BUCKET_SIZE = 100;

/**
 * Which later change outdates each change of a 100-seq range of a project. The append that
 * supersedes an entity's latest change appends [that seq, its first new seq] here in the same
 * transaction: one item per range touched, instead of one update per superseded change.
 */
export const ChangeLinks = defineEntity({
  name: 'changeLinks',
  description: 'The outdatedBy of the changes of one 100-seq range of a project, written by the appends that supersede them.',
  schema: z.object({
    projectId: z.string().min(1).max(200),
    /** floor(seq / 100) of the superseded changes. */
    bucket: z.int().min(0),
    /** [seq, outdatedBy] pairs, each seq at most once. */
    links: z.array(z.tuple([z.int().positive(), z.int().positive()])),
  }),
  keys: {
    primary: { pk: ['projectId'], sk: ['bucket'], description: 'outdatedBy of a 100-seq range of changes' },
  },
  // Appended to under the sequence's condition; a seq is superseded once.
  versioned: false,
  example: { projectId: 'project-1', bucket: 0, links: [[7, 42]] },
});
