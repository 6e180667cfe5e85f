import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { isRepositoryError, RepositoryError } from '../errors/index.ts';
import type { BoundTable, Page } from '../entity/index.ts';
import type { InferItem } from '../schema/index.ts';
import { normaliseEmail, User } from './user-entity.ts';
import { VideoProgress } from './video-progress-entity.ts';

/** The entities of accounts: users and their video progress share the `account` collection. */
export const userEntities = { user: User, videoProgress: VideoProgress } as const;
export type UserEntities = typeof userEntities;
export type UserItem = InferItem<typeof User>;
export type VideoProgressItem = InferItem<typeof VideoProgress>;

export interface RegisterInput {
  email: string;
  firstName: string;
  lastName: string;
}

/** Refresh tokens are stored only as SHA-256 hashes. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** What the user service needs of a bound table that contains `userEntities`. */
export type UserTable = Pick<BoundTable<UserEntities>, 'entities' | 'transactWrite' | 'collection'>;

/** A transaction holds at most 100 items: the user, its e-mail claim and the progress items. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * Accounts. The e-mail is a unique field of the user entity, so every write path (this service,
 * `table.entities.user`, batches, transactions) keeps its claim; the refresh-token hash is hidden.
 */
export class UserService {
  constructor(private readonly table: UserTable) {}

  private get users() {
    return this.table.entities.user;
  }

  /** Creates a user; a taken e-mail is `duplicate` and nothing is written. */
  register(input: RegisterInput): Promise<UserItem> {
    if (typeof input !== 'object' || input === null)
      throw RepositoryError.validation('user', [{ path: [], message: 'expected { email, firstName, lastName }' }]);
    if (typeof input.email !== 'string') throw RepositoryError.validation('user', [{ path: ['email'], message: 'expected a string' }]);
    return this.users.create({
      userId: randomUUID(),
      email: normaliseEmail(input.email),
      firstName: input.firstName,
      lastName: input.lastName,
      isActive: true,
    });
  }

  get(userId: string): Promise<UserItem> {
    return this.users.get(userId);
  }

  /**
   * Moves the e-mail: the old claim is released and the new one taken in the same transaction as
   * the user. The address the user already has (in any spelling) is a no-op: nothing is written.
   */
  async changeEmail(userId: string, email: string): Promise<UserItem> {
    if (typeof email !== 'string') throw RepositoryError.validation('user', [{ path: ['email'], message: 'expected a string' }]);
    const normalised = normaliseEmail(email);
    try {
      return await this.users.patch(userId, { set: { email: normalised } }, { if: { email: { ne: normalised } } });
    } catch (error) {
      if (isRepositoryError(error, 'conditionFailed')) return this.users.get(userId);
      throw error;
    }
  }

  /** The user holding an e-mail (read through its claim, strongly consistent); `notFound` when none. */
  getByEmail(email: string): Promise<UserItem> {
    if (typeof email !== 'string') throw RepositoryError.validation('user', [{ path: ['email'], message: 'expected a string' }]);
    return this.users.getByUnique('email', email);
  }

  /** The active user holding a refresh token; `notFound` when none. */
  async getByRefreshToken(token: string): Promise<UserItem> {
    if (typeof token !== 'string' || token.length === 0)
      throw RepositoryError.validation('user', [{ path: ['token'], message: 'expected a non-empty string' }]);
    const page = await this.users.find.byRefreshToken({ refreshTokenHash: hashToken(token) }, { where: { isActive: true } });
    const user = page.items[0];
    if (!user) throw new RepositoryError('notFound', 'no active user holds this refresh token', { entity: 'user' });
    return user;
  }

  /** A new random refresh token (returned once; only its hash is stored, replacing the previous one). */
  async issueRefreshToken(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    try {
      await this.users.patch(userId, { set: { refreshTokenHash: hashToken(token) } }, { if: { isActive: true } });
    } catch (error) {
      if (isRepositoryError(error, 'conditionFailed'))
        throw new RepositoryError('validation', `user '${userId}' is deactivated`, { id: userId, entity: 'user', cause: error });
      throw error;
    }
    return token;
  }

  revokeRefreshToken(userId: string): Promise<UserItem> {
    return this.users.patch(userId, { remove: ['refreshTokenHash'] });
  }

  /** Deactivates the user and revokes the refresh token. */
  deactivate(userId: string): Promise<UserItem> {
    return this.users.patch(userId, { set: { isActive: false }, remove: ['refreshTokenHash'] });
  }

  /** Active users, one page. A Scan with a filter: there is no index on isActive (booleans cannot be keys). */
  listActive(options: { limit?: number; cursor?: string } = {}): Promise<Page<UserItem>> {
    return this.users.page(undefined, { ...options, where: { isActive: true } });
  }

  /** The user and all their video progress in ONE Query (the `account` collection). */
  async getAccount(userId: string): Promise<{ user: UserItem; videoProgress: VideoProgressItem[] }> {
    const account = await this.table.collection('account', { userId });
    const user = account.user[0];
    if (!user) throw new RepositoryError('notFound', `user '${userId}' not found`, { id: userId, entity: 'user' });
    return { user, videoProgress: account.videoProgress };
  }

  /**
   * Deletes the user (and its e-mail claim) and all their video progress: one transaction when it
   * fits in 100 items; otherwise the progress goes first in batches and the user last, so a rerun
   * resumes.
   */
  async delete(userId: string): Promise<{ deletedProgress: number; atomic: boolean }> {
    const { videoProgress } = await this.getAccount(userId);
    const progressIds = videoProgress.map((item) => ({ userId, videoId: item.videoId }));
    // The user and its claim take two items.
    const atomic = progressIds.length + 2 <= MAX_TRANSACTION_ITEMS;
    if (!atomic) await this.table.entities.videoProgress.deleteAll(progressIds);
    await this.table.transactWrite((tx) => [tx.user.delete(userId), ...(atomic ? progressIds.map((id) => tx.videoProgress.delete(id)) : [])]);
    return { deletedProgress: progressIds.length, atomic };
  }
}
