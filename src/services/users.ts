import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { conditionError, isRepositoryError, RepositoryError, type CancellationReason } from '../errors/index.ts';
import { createRepository, type DynamoRepository, type RepositoryPage as Page } from '../repository/index.ts';
import { defaultConflictPolicy, withRetries } from '../retry/index.ts';
import type { EntityDefinition, InferItem } from '../schema/index.ts';
import { transactItem, transactWrite, type BoundTable, type EntityClient, type EntityMap } from '../table/index.ts';
import { assertFields, type Item, paramsOf } from './electro-params.ts';

export type UserEntities = EntityMap & { user: EntityDefinition; emailClaim: EntityDefinition; videoProgress: EntityDefinition };
export type UserOf<E extends UserEntities> = InferItem<E['user']>;

export interface RegisterInput {
  email: string;
  firstName: string;
  lastName: string;
}

/** E-mail addresses are compared trimmed and lower-cased. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();
/** Refresh tokens are stored only as SHA-256 hashes. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A transaction holds at most 100 items; larger accounts are deleted in resumable steps. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * Users with unique e-mail addresses: the user and an emailClaim item are written in one
 * transaction, the claim with `attribute_not_exists` (a GSI cannot enforce uniqueness).
 */
export class UserService<E extends UserEntities> {
  private readonly users: EntityClient<E['user']>;
  private readonly claims: EntityClient<E['emailClaim']>;
  private readonly userRepository: DynamoRepository<EntityDefinition>;
  private readonly claimRepository: DynamoRepository<EntityDefinition>;
  private readonly progressRepository: DynamoRepository<EntityDefinition>;

  constructor(private readonly table: BoundTable<E>) {
    this.users = table.entities.user as EntityClient<E['user']>;
    this.claims = table.entities.emailClaim as EntityClient<E['emailClaim']>;
    assertFields(this.users.definition, ['userId', 'email', 'firstName', 'lastName', 'isActive', 'refreshTokenHash', 'version', 'createdAt', 'updatedAt']);
    assertFields(this.claims.definition, ['email', 'userId']);
    this.userRepository = createRepository(this.users.definition, { table });
    this.claimRepository = createRepository(this.claims.definition, { table });
    this.progressRepository = createRepository((table.entities.videoProgress as EntityClient<EntityDefinition>).definition, { table });
  }

  private stored(user: Item): Item {
    return this.users.definition.toStored(user, user.userId);
  }

  private duplicate(email: string, cause?: unknown): RepositoryError {
    return new RepositoryError('duplicate', `e-mail '${email}' is already registered`, { cause, id: email });
  }

  /** Creates a user and claims the e-mail in one transaction; a taken e-mail → `duplicate`, nothing written. */
  async register(input: RegisterInput): Promise<UserOf<E>> {
    const now = new Date().toISOString();
    const email = normaliseEmail(input.email);
    const user = this.stored({ userId: randomUUID(), email, firstName: input.firstName, lastName: input.lastName, isActive: true, createdAt: now, updatedAt: now, version: 1 });
    const claim = this.claims.definition.toStored({ email, userId: user.userId });
    const items = [transactItem('Put', paramsOf(this.users.electro.create(user))), transactItem('Put', paramsOf(this.claims.electro.create(claim)))];
    // A transaction cancelled by a concurrent one (TransactionConflict) is retried; a taken e-mail is final.
    await withRetries<undefined>(
      defaultConflictPolicy,
      async () => {
        try {
          await transactWrite(this.table.connection.doc, items, {
            entity: 'user',
            id: user.userId,
            explainCancellation: (reasons: CancellationReason[], cause) =>
              reasons[1]?.Code === 'ConditionalCheckFailed'
                ? this.duplicate(email, cause)
                : reasons[0]?.Code === 'ConditionalCheckFailed'
                  ? conditionError('alreadyExists', { entity: 'user', id: user.userId }, cause)
                  : undefined,
          });
          return { done: true, value: undefined };
        } catch (error) {
          if (isRepositoryError(error, 'conflict')) return { done: false };
          throw error;
        }
      },
      () => conditionError('conflict', { entity: 'user', id: user.userId }),
    );
    return this.users.definition.fromStored(user) as UserOf<E>;
  }

  get(userId: string): Promise<UserOf<E>> {
    return this.userRepository.get(userId as never) as Promise<UserOf<E>>;
  }

  /** Moves the claim and updates the user in one transaction (old claim deleted, new claimed, user version checked). */
  async changeEmail(userId: string, newEmail: string): Promise<UserOf<E>> {
    const email = normaliseEmail(newEmail);
    return withRetries<UserOf<E>>(
      defaultConflictPolicy,
      async () => {
        const current = (await this.get(userId)) as Item;
        if (current.email === email) return { done: true, value: current as UserOf<E> };
        const next = this.stored({ ...current, email, updatedAt: new Date().toISOString(), version: (current.version as number) + 1 });
        const newClaim = this.claims.definition.toStored({ email, userId });
        try {
          await transactWrite(
            this.table.connection.doc,
            [
              transactItem('Delete', paramsOf(this.claims.electro.delete({ email: current.email }), (a, op) => op.eq(a.userId, userId))),
              transactItem('Put', paramsOf(this.claims.electro.create(newClaim))),
              transactItem('Put', paramsOf(this.users.electro.put(next), (a, op) => op.eq(a.version, current.version))),
            ],
            {
              entity: 'user',
              id: userId,
              explainCancellation: (reasons, cause) =>
                reasons[1]?.Code === 'ConditionalCheckFailed' ? this.duplicate(email, cause) : reasons.some((r) => r.Code === 'ConditionalCheckFailed') ? conditionError('conflict', { entity: 'user', id: userId }, cause) : undefined,
            },
          );
          return { done: true, value: this.users.definition.fromStored(next) as UserOf<E> };
        } catch (error) {
          if (isRepositoryError(error, 'conflict')) return { done: false };
          throw error;
        }
      },
      () => conditionError('conflict', { entity: 'user', id: userId }),
    );
  }

  /** The user owning an e-mail, read through the claim (strongly consistent), or undefined. */
  async findByEmail(email: string): Promise<UserOf<E> | undefined> {
    const normalised = normaliseEmail(email);
    const claim = (await this.claimRepository.getMany([normalised as never])).items[0] as Item | undefined;
    if (!claim) return undefined;
    const user = (await this.userRepository.getMany([claim.userId as never])).items[0] as Item | undefined;
    return user?.email === normalised ? (user as UserOf<E>) : undefined;
  }

  async findByRefreshToken(token: string): Promise<UserOf<E> | undefined> {
    const page = await this.userRepository.page({ pattern: 'byRefreshToken', key: { refreshTokenHash: hashToken(token) } } as never, { limit: 1 });
    const user = page.items[0] as Item | undefined;
    return user && user.isActive ? (user as UserOf<E>) : undefined;
  }

  /** A new random refresh token (returned once; only its hash is stored, replacing the previous one). */
  async issueRefreshToken(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.userRepository.update(userId as never, (user) => {
      if (!(user as Item).isActive) throw new RepositoryError('validation', `user '${userId}' is deactivated`, { id: userId });
      return { ...user, refreshTokenHash: hashToken(token) } as never;
    });
    return token;
  }

  async revokeRefreshToken(userId: string): Promise<UserOf<E>> {
    return (await this.userRepository.update(userId as never, (user) => {
      const { refreshTokenHash: _revoked, ...rest } = user as Item;
      return rest as never;
    })) as UserOf<E>;
  }

  /** Deactivates the user and revokes the refresh token. */
  async deactivate(userId: string): Promise<UserOf<E>> {
    return (await this.userRepository.update(userId as never, (user) => {
      const { refreshTokenHash: _revoked, ...rest } = user as Item;
      return { ...rest, isActive: false } as never;
    })) as UserOf<E>;
  }

  /** Active users, one page. A Scan with a filter: there is no index on isActive (booleans cannot be keys). */
  listActive(options: { limit?: number; cursor?: string } = {}): Promise<Page<UserOf<E>>> {
    return this.userRepository.page({ where: { isActive: true } } as never, options) as Promise<Page<UserOf<E>>>;
  }

  /** The user and all their video progress in ONE Query (the `account` collection). */
  async getAccount(userId: string): Promise<{ user: UserOf<E>; videoProgress: InferItem<E['videoProgress']>[] }> {
    this.users.definition.checkKey({ userId }, ['userId'], userId);
    const collections = this.table.electro.service.collections as Record<string, (key: Item) => { go(options: object): Promise<{ data: Record<string, Item[]> }> }>;
    const account = collections.account;
    if (!account) throw new TypeError("the table has no 'account' collection");
    const { data } = await account({ userId }).go({ pages: 'all' });
    const user = data.user?.[0];
    if (!user) throw conditionError('notFound', { entity: 'user', id: userId });
    return { user: user as UserOf<E>, videoProgress: (data.videoProgress ?? []) as InferItem<E['videoProgress']>[] };
  }

  /**
   * Deletes the user, the claim and all their video progress: one transaction when it fits in
   * 100 items; otherwise the progress goes first in batches and the user and claim last,
   * together, so a claim never points at a missing user and a rerun resumes.
   */
  async delete(userId: string): Promise<{ deletedProgress: number; atomic: boolean }> {
    const { user, videoProgress } = await this.getAccount(userId);
    const current = user as Item;
    const progressKeys = videoProgress.map((item) => ({ userId, videoId: (item as Item).videoId }));
    const userAndClaim = [
      transactItem('Delete', paramsOf(this.users.electro.delete({ userId }), (a, op) => op.eq(a.version, current.version))),
      transactItem('Delete', paramsOf(this.claims.electro.delete({ email: current.email }), (a, op) => op.eq(a.userId, userId))),
    ];
    const atomic = progressKeys.length + userAndClaim.length <= MAX_TRANSACTION_ITEMS;
    const progressClient = this.table.entities.videoProgress as EntityClient<EntityDefinition>;
    const progressDeletes = atomic ? progressKeys.map((key) => transactItem('Delete', paramsOf(progressClient.electro.delete(key)))) : [];
    if (!atomic) await this.progressRepository.deleteAll(progressKeys as never[]);
    await transactWrite(this.table.connection.doc, [...userAndClaim, ...progressDeletes], { entity: 'user', id: userId, conditionFailed: 'conflict' });
    return { deletedProgress: progressKeys.length, atomic };
  }
}
