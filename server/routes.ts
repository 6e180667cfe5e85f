import { createRoute, z } from '@hono/zod-openapi';
import { Change, normaliseEmail, User, VideoProgress } from 'tablekit/services';

// Requests are validated with the entities' own zod schemas (fields picked from them).
const ErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
  }),
});
const Json = z.record(z.string(), z.unknown());
const json = <S extends z.ZodType>(schema: S, description: string) => ({ content: { 'application/json': { schema } }, description });
const errors = {
  400: json(ErrorSchema, 'invalid request (the list of issues)'),
  401: json(ErrorSchema, 'missing or unknown API key'),
  403: json(ErrorSchema, 'the API key may not access this resource'),
  404: json(ErrorSchema, 'not found'),
  409: json(ErrorSchema, 'conflict (already exists, duplicate e-mail, concurrent change)'),
  413: json(ErrorSchema, 'request body too large'),
  500: json(ErrorSchema, 'unexpected error'),
  503: json(ErrorSchema, 'DynamoDB unavailable or throttling'),
} as const;

const ChangeItem = Change.itemSchema;
const ChangeInput = Change.schema.pick({ entityType: true, entityId: true, operation: true, data: true });
const ProjectParams = z.object({ projectId: Change.schema.shape.projectId });
const Email = z.string().transform(normaliseEmail).pipe(User.schema.shape.email);
const UserParams = z.object({ userId: User.schema.shape.userId });
const page = (item: z.ZodType) => z.object({ items: z.array(item), cursor: z.string().optional() });

/** Every route of the HTTP API; the OpenAPI document is generated from these. */
export function routes(maxLimit: number) {
  const limit = (fallback: number) =>
    z.coerce
      .number()
      .int()
      .min(1)
      .default(fallback)
      .transform((value) => Math.min(value, maxLimit));
  return {
    appendChanges: createRoute({
      method: 'post',
      path: '/projects/{projectId}/changes',
      request: {
        params: ProjectParams,
        body: { content: { 'application/json': { schema: z.union([ChangeInput, z.array(ChangeInput).min(1).max(1000)]) } }, required: true },
      },
      responses: { 201: json(z.object({ changes: z.array(ChangeItem) }), 'the stored changes with their seq'), ...errors },
    }),
    listChanges: createRoute({
      method: 'get',
      path: '/projects/{projectId}/changes',
      request: {
        params: ProjectParams,
        query: z.object({ since: z.coerce.number().int().min(0).default(0), limit: limit(100), cursor: z.string().optional() }),
      },
      responses: { 200: json(page(ChangeItem), 'changes with seq > since, in seq order'), ...errors },
    }),
    history: createRoute({
      method: 'get',
      path: '/projects/{projectId}/entities/{entityType}/{entityId}/history',
      request: {
        params: ProjectParams.extend({ entityType: Change.schema.shape.entityType, entityId: Change.schema.shape.entityId }),
        query: z.object({ limit: limit(100), cursor: z.string().optional() }),
      },
      responses: { 200: json(page(ChangeItem), "one entity's changes in seq order"), ...errors },
    }),
    stats: createRoute({
      method: 'get',
      path: '/projects/{projectId}/stats',
      request: { params: ProjectParams },
      responses: { 200: json(Json, 'counts by entity type and operation, latest seq, outdated changes'), ...errors },
    }),
    live: createRoute({
      method: 'get',
      path: '/projects/{projectId}/changes/live',
      request: { params: ProjectParams, query: z.object({ since: z.coerce.number().int().min(0).default(0) }) },
      responses: {
        200: {
          content: { 'text/event-stream': { schema: z.string() } },
          description: 'Server-Sent Events: history after `since` (or Last-Event-ID), then live; event id = seq',
        },
        ...errors,
      },
    }),
    register: createRoute({
      method: 'post',
      path: '/users',
      request: {
        body: {
          content: { 'application/json': { schema: z.object({ email: Email, firstName: User.schema.shape.firstName, lastName: User.schema.shape.lastName }) } },
          required: true,
        },
      },
      responses: { 201: json(Json, 'the registered user'), ...errors },
    }),
    getUser: createRoute({ method: 'get', path: '/users/{userId}', request: { params: UserParams }, responses: { 200: json(Json, 'the user'), ...errors } }),
    findUser: createRoute({
      method: 'get',
      path: '/users',
      request: { query: z.object({ email: Email }) },
      responses: { 200: json(Json, 'the user with that e-mail'), ...errors },
    }),
    patchUser: createRoute({
      method: 'patch',
      path: '/users/{userId}',
      request: {
        params: UserParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: {
          content: {
            'application/json': {
              schema: z.strictObject({
                email: Email.optional(),
                firstName: User.schema.shape.firstName.optional(),
                lastName: User.schema.shape.lastName.optional(),
                isActive: User.schema.shape.isActive.optional(),
              }),
            },
          },
          required: true,
        },
      },
      responses: { 200: json(Json, 'the updated user (ETag = version)'), 412: json(ErrorSchema, 'If-Match does not match the current version'), ...errors },
    }),
    deleteUser: createRoute({
      method: 'delete',
      path: '/users/{userId}',
      request: { params: UserParams },
      responses: { 204: { description: 'deleted with claim and progress' }, ...errors },
    }),
    recordProgress: createRoute({
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
    }),
    listProgress: createRoute({
      method: 'get',
      path: '/users/{userId}/progress',
      request: { params: UserParams },
      responses: { 200: json(page(VideoProgress.itemSchema), "the user's progress"), ...errors },
    }),
    continueWatching: createRoute({
      method: 'get',
      path: '/users/{userId}/continue-watching',
      request: { params: UserParams, query: z.object({ limit: limit(20) }) },
      responses: { 200: json(page(VideoProgress.itemSchema), 'unfinished videos, most recent first'), ...errors },
    }),
    health: createRoute({
      method: 'get',
      path: '/health',
      responses: {
        200: json(z.object({ status: z.string(), table: z.string() }), 'the table is ACTIVE'),
        503: json(z.object({ status: z.string(), table: z.string() }), 'the table is not available'),
        500: errors[500],
      },
    }),
  };
}
