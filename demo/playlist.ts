import { z } from 'zod';
import { defineEntity, defineTable } from 'tablekit';
import { AppTable } from '../entities/index.ts';

/**
 * A demo entity for what the application's entities do not have: a list, a string set, a
 * counter and a read-only attribute. It lives in the application's physical table (same keys
 * and indexes), so one transaction can span it and the application's users.
 */
export const Playlist = defineEntity({
  name: 'playlist',
  description: "A user's playlist: videos in order, tags, a play counter.",
  schema: z.object({
    userId: z.uuid(),
    playlistId: z.string().min(1).max(100),
    title: z.string().min(1).max(200),
    videoIds: z.array(z.string().min(1)).max(50).default([]),
    tags: z.set(z.string()).default(new Set()),
    plays: z.int().min(0).default(0),
    note: z.string().max(500).optional(),
    createdBy: z.string().min(1),
  }),
  keys: {
    primary: { pk: ['userId'], sk: ['playlistId'], description: "A user's playlists" },
  },
  timestamps: true,
  readOnly: ['createdBy'],
});

/** The application's entities plus the demo playlist, on the application's table. */
export const DemoTable = defineTable({ name: AppTable.name, entities: { ...AppTable.entities, playlist: Playlist } });
