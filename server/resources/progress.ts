import { createRoute, z } from '@hono/zod-openapi';
import { User, VideoProgress } from 'tablekit/services';
import type { App, Resource } from '../context.ts';
import { errors, json, limitParam, page } from '../schemas.ts';

const UserParams = z.object({ userId: User.schema.shape.userId });

/** Video progress: record an event (stale ones ignored), list, continue watching. */
export function progressRoutes(app: App, resource: Resource): void {
  const recordProgress = createRoute({
    method: 'put',
    path: '/users/{userId}/progress/{videoId}',
    request: {
      params: UserParams.extend({ videoId: VideoProgress.schema.shape.videoId }),
      body: {
        content: {
          'application/json': {
            schema: z.strictObject({
              positionSeconds: VideoProgress.schema.shape.positionSeconds,
              durationSeconds: VideoProgress.schema.shape.durationSeconds,
              at: VideoProgress.schema.shape.updatedAt.optional(),
            }),
          },
        },
        required: true,
      },
    },
    responses: {
      200: json(z.object({ progress: VideoProgress.itemSchema, applied: z.boolean() }), 'the stored progress; applied=false for a stale event'),
      ...errors,
    },
  });
  const listProgress = createRoute({
    method: 'get',
    path: '/users/{userId}/progress',
    request: { params: UserParams },
    responses: { 200: json(page(VideoProgress.itemSchema), "the user's progress"), ...errors },
  });
  const continueWatching = createRoute({
    method: 'get',
    path: '/users/{userId}/continue-watching',
    request: { params: UserParams, query: z.object({ limit: limitParam(20, resource.maxLimit) }) },
    responses: { 200: json(page(VideoProgress.itemSchema), 'unfinished videos, most recent first'), ...errors },
  });

  app.openapi(recordProgress, async (c) => {
    if (!resource.admin(c)) return resource.forbidden(c);
    const { userId, videoId } = c.req.valid('param');
    const body = c.req.valid('json');
    await resource.store.userService.get(userId);
    return c.json(await resource.store.videoProgressService.record(userId, videoId, body), 200);
  });
  app.openapi(listProgress, async (c) => {
    if (!resource.admin(c)) return resource.forbidden(c);
    return c.json({ items: await resource.store.videoProgressService.forUser(c.req.valid('param').userId) }, 200);
  });
  app.openapi(continueWatching, async (c) => {
    if (!resource.admin(c)) return resource.forbidden(c);
    const { limit } = c.req.valid('query');
    return c.json({ items: await resource.store.videoProgressService.continueWatching(c.req.valid('param').userId, { limit }) }, 200);
  });
}
