import { z } from 'zod';
import { defineEntity } from 'tablekit';

/** Makes e-mail unique: put with attribute_not_exists in the same transaction as the user (GSIs cannot enforce uniqueness). */
export const EmailClaim = defineEntity({
  name: 'emailClaim',
  description: 'Reserves an e-mail address for one user.',
  schema: z.object({
    email: z.email().max(254).lowercase(),
    userId: z.uuid(),
  }),
  keys: {
    primary: { pk: ['email'], sk: [], description: 'Who owns an e-mail address (uniqueness check)' },
  },
  example: { email: 'ada@example.com', userId: '0b7c9a2e-5d4f-4c1e-9a8b-3f2e1d0c9b8a' },
});
