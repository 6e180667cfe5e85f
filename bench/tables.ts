import { z } from 'zod';
import { defineEntity, defineTable } from 'tablekit';
import { changeLogEntities, User } from 'tablekit/services';

/**
 * The application's user as a plain entity: the same attributes and keys (hence the same items
 * and key strings), plus a `logins` counter for patch, and WITHOUT the unique e-mail and the
 * hidden token hash. A unique field turns a create into a two-item transaction and makes save
 * read first; the requests table (R) shows those costs on the real User.
 */
export const Member = defineEntity({
  name: 'user',
  schema: z.object({
    userId: z.uuid(),
    email: z.email().max(254).lowercase(),
    firstName: z.string().min(1).max(100),
    lastName: z.string().min(1).max(100),
    isActive: z.boolean(),
    logins: z.int().min(0).default(0),
  }),
  keys: {
    primary: { pk: ['userId'], sk: [], collection: 'account' },
    byEmail: { index: 'gsi1', pk: ['email'], sk: [] },
  },
  timestamps: true,
});

/**
 * The bench tables have NO stream: DynamoDB Local keeps stream records in memory and slows down
 * as they pile up over a long run, which would bias whichever contender runs later.
 */
export const UserTable = defineTable({ name: 'bench-users', entities: { user: Member }, streams: false, ttlAttribute: false });
/** The application's User (unique e-mail, hidden token hash), for the requests table. */
export const UniqueUserTable = defineTable({ name: 'bench-unique-users', entities: { user: User }, streams: false, ttlAttribute: false });
export const ChangeLogTable = defineTable({ name: 'bench-changes', entities: changeLogEntities, streams: false, ttlAttribute: false });
