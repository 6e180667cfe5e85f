import { z } from 'zod';
import { defineEntity } from '../schema/index.ts';

/** E-mail addresses are compared trimmed and lower-cased. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * An account. The e-mail is unique (a claim item moves with it in every write's transaction);
 * the refresh-token hash is hidden: no read returns it unless it asks with `include`.
 */
export const User = defineEntity({
  name: 'user',
  description: 'An account; the e-mail is unique, refresh tokens are stored as SHA-256 hashes (hidden from reads).',
  schema: z.object({
    userId: z.uuid(),
    email: z.email().max(254).lowercase(),
    firstName: z.string().min(1).max(100),
    lastName: z.string().min(1).max(100),
    isActive: z.boolean(),
    /** SHA-256 hex of the current refresh token; the raw token is never stored. */
    refreshTokenHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  }),
  keys: {
    primary: { pk: ['userId'], sk: [], collection: 'account', description: 'Get a user by id' },
    byEmail: { index: 'gsi1', pk: ['email'], sk: [], description: 'Find the user with an e-mail address' },
    byRefreshToken: { index: 'gsi2', pk: ['refreshTokenHash'], sk: [], description: 'Find the user holding a refresh token (sparse)' },
  },
  timestamps: true,
  versioned: true,
  unique: { email: { normalise: normaliseEmail } },
  hidden: ['refreshTokenHash'],
  example: {
    userId: '0b7c9a2e-5d4f-4c1e-9a8b-3f2e1d0c9b8a',
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    isActive: true,
    refreshTokenHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  },
});
