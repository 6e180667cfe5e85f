import { z } from 'zod';
import { defineEntity } from '../schema/index.ts';

/** How far a user got in a video; expires through DynamoDB TTL. */
export const VideoProgress = defineEntity({
  name: 'videoProgress',
  description: "A user's position in a video; expires (TTL) after the retention period.",
  schema: z.object({
    userId: z.uuid(),
    videoId: z.string().min(1).max(200),
    positionSeconds: z.number().min(0),
    durationSeconds: z.number().positive(),
    completed: z.boolean(),
    /** Time of the playback event (ISO-8601); newer events win. */
    updatedAt: z.iso.datetime(),
    /** Expiry in epoch seconds (DynamoDB TTL). */
    ttl: z.int().positive(),
  }),
  keys: {
    primary: { pk: ['userId'], sk: ['videoId'], collection: 'account', description: "A user's progress in one video, or all of it" },
    continueWatching: { index: 'gsi1', pk: ['userId'], sk: ['updatedAt'], description: "A user's videos, most recently watched first" },
    byVideo: { index: 'gsi2', pk: ['videoId'], sk: ['userId'], description: 'Everyone who watched a video' },
  },
  ttl: 'ttl',
  // Newer playback events win by `updatedAt` (a condition), not by a version.
  versioned: false,
  example: {
    userId: '0b7c9a2e-5d4f-4c1e-9a8b-3f2e1d0c9b8a',
    videoId: 'intro-to-dynamodb',
    positionSeconds: 310,
    durationSeconds: 1200,
    completed: false,
    updatedAt: '2026-01-01T12:00:00.000Z',
    ttl: 4102444800, // 2100-01-01: an example that does not expire
  },
});
