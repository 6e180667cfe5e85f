import { defineTable } from '../src/index.ts';
import { Change, ChangeHead, Sequence, User } from '../entities/index.ts';

/**
 * The bundled entities on tables WITHOUT a stream: DynamoDB Local keeps stream records in memory
 * and slows down as they pile up over a long run, which would bias whichever contender runs later.
 * Keys and items are identical to the application table's.
 */
export const UserTable = defineTable({ name: 'bench-users', entities: { user: User }, streams: false, ttlAttribute: false });
export const ChangeLogTable = defineTable({ name: 'bench-changes', entities: { change: Change, changeHead: ChangeHead, sequence: Sequence }, streams: false, ttlAttribute: false });
