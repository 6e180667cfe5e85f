/**
 * A small table whose `note` entity moves from v1 to v2 (a new `words` attribute computed by
 * up()), used by the migration tests and by the `tablekit migrate` child process.
 */
import { z } from 'zod';
import { defineEntity, defineMigration, defineTable } from '../../src/index.ts';

export const NoteV1 = defineEntity({
  name: 'note',
  version: 1,
  schema: z.object({
    noteId: z.string().min(1),
    author: z.string().min(1),
    body: z.string(),
    /** When set, up() throws for this note (bad-input tests). */
    poison: z.enum(['throw', 'invalid', 'identity']).optional(),
  }),
  keys: {
    primary: { pk: ['noteId'], sk: [] },
    byAuthor: { index: 'gsi1', pk: ['author'], sk: ['noteId'] },
  },
  timestamps: true,
});

export const Note = defineEntity({
  name: 'note',
  version: 2,
  schema: z.object({
    noteId: z.string().min(1),
    author: z.string().min(1),
    body: z.string(),
    words: z.int().min(0),
    poison: z.enum(['throw', 'invalid', 'identity']).optional(),
  }),
  keys: {
    primary: { pk: ['noteId'], sk: [] },
    byAuthor: { index: 'gsi1', pk: ['author'], sk: ['noteId'] },
  },
  timestamps: true,
});

const wordsOf = (body: string) => body.split(/\s+/).filter(Boolean).length;

export const noteV1toV2 = defineMigration({
  from: NoteV1,
  to: Note,
  up: (item) => {
    if (item.poison === 'throw') throw new Error(`cannot count the words of ${item.noteId}`);
    if (item.poison === 'invalid') return { ...item, words: -1 };
    if (item.poison === 'identity') return { ...item, noteId: `${item.noteId}-copy`, words: 0 };
    return { ...item, words: wordsOf(item.body) };
  },
});

/** The table after the migration (note v2), and the table before it (note v1) to write old items with. */
export const NotesTable = defineTable({ name: 'notes', entities: { note: Note } });
export const NotesTableV1 = defineTable({ name: 'notes', entities: { note: NoteV1 } });

export const migrations = [noteV1toV2];
