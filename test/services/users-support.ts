/** Shared helpers of the user-service suites. */
import { createHash, randomUUID } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import type { Store } from '../../entities/index.ts';
import type { InferInput } from '../../src/index.ts';
import type { VideoProgress } from '../../src/services/index.ts';
import { rejection, scanAll } from './support.ts';

export const tag = () => randomUUID().slice(0, 8);
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
export const register = (store: Store, email: string, firstName = 'Ada', lastName = 'Lovelace') => store.userService.register({ email, firstName, lastName });

export async function addProgress(store: Store, userId: string, count: number): Promise<void> {
  const now = Date.now();
  const items: InferInput<typeof VideoProgress>[] = Array.from({ length: count }, (_, index) => ({
    userId,
    videoId: `video-${String(index).padStart(4, '0')}`,
    positionSeconds: index,
    durationSeconds: 1000,
    completed: false,
    updatedAt: new Date(now - index * 1000).toISOString(),
    ttl: Math.floor(now / 1000) + 90 * 86_400,
  }));
  await store.entities.videoProgress.saveAll(items);
}

export const progressOf = (store: Store, userId: string) => store.entities.videoProgress.query({ pattern: 'primary', key: { userId } });

/** The raw claim items of the user entity's e-mails (entity `tablekitUnique`), by e-mail. */
export async function claims(store: Store): Promise<Map<string, string>> {
  const raw = (await scanAll(store)).filter((item) => item.__edb_e__ === 'tablekitUnique');
  return new Map(raw.map((item) => [String(item.unique).replace(/^user#email#/, ''), String(item.owner)]));
}

/** The user/claim invariant: the e-mail is claimed iff a user holds it, and the claim names that user. */
export async function assertClaim(t: ExecutionContext, store: Store, email: string, userId: string | undefined): Promise<void> {
  const owner = (await claims(store)).get(email);
  if (userId === undefined) {
    t.is(owner, undefined, `${email} is not claimed`);
    await rejection(t, () => store.userService.getByEmail(email), 'notFound');
  } else {
    t.truthy(owner?.includes(userId), `${email} is claimed by ${userId} (claim owner ${owner})`);
    t.is((await store.userService.getByEmail(email)).userId, userId);
  }
}
