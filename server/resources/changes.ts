import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { Change } from 'tablekit/services';
import type { App, Resource } from '../context.ts';
import { errorBody } from '../errors.ts';
import { errors, Json, json, limitParam, page } from '../schemas.ts';

// Requests are validated with the change entity's own zod schema (fields picked from it).
const ChangeItem = Change.itemSchema;
// Strict like the library: an unknown field is a 400, not silently dropped.
const ChangeInput = Change.schema.pick({ entityType: true, entityId: true, operation: true, data: true }).strict();
const ProjectParams = z.object({ projectId: Change.schema.shape.projectId });

/** The change log: append, read since a seq, one entity's history, stats, and the SSE live feed. */
export function changeRoutes(app: App, resource: Resource): void {
  const appendChanges = createRoute({
    method: 'post',
    path: '/projects/{projectId}/changes',
    request: {
      params: ProjectParams,
      body: { content: { 'application/json': { schema: z.union([ChangeInput, z.array(ChangeInput).min(1).max(1000)]) } }, required: true },
    },
    responses: { 201: json(z.object({ changes: z.array(ChangeItem) }), 'the stored changes with their seq'), ...errors },
  });
  const listChanges = createRoute({
    method: 'get',
    path: '/projects/{projectId}/changes',
    request: {
      params: ProjectParams,
      query: z.object({ since: z.coerce.number().int().min(0).default(0), limit: limitParam(100, resource.maxLimit), cursor: z.string().optional() }),
    },
    responses: { 200: json(page(ChangeItem), 'changes with seq > since, in seq order'), ...errors },
  });
  const history = createRoute({
    method: 'get',
    path: '/projects/{projectId}/entities/{entityType}/{entityId}/history',
    request: {
      params: ProjectParams.extend({ entityType: Change.schema.shape.entityType, entityId: Change.schema.shape.entityId }),
      query: z.object({ limit: limitParam(100, resource.maxLimit), cursor: z.string().optional() }),
    },
    responses: { 200: json(page(ChangeItem), "one entity's changes in seq order"), ...errors },
  });
  const stats = createRoute({
    method: 'get',
    path: '/projects/{projectId}/stats',
    request: { params: ProjectParams },
    responses: { 200: json(Json, 'counts by entity type and operation, latest seq, outdated changes'), ...errors },
  });
  const live = createRoute({
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
  });

  app.openapi(appendChanges, async (c) => {
    const { projectId } = c.req.valid('param');
    if (!resource.project(c, projectId)) return resource.forbidden(c);
    const body = c.req.valid('json');
    const changes = await resource.store.changeLog.appendMany(projectId, Array.isArray(body) ? body : [body]);
    return c.json({ changes }, 201);
  });
  app.openapi(listChanges, async (c) => {
    const { projectId } = c.req.valid('param');
    if (!resource.project(c, projectId)) return resource.forbidden(c);
    const { since, limit, cursor } = c.req.valid('query');
    return c.json(await resource.store.changeLog.since(projectId, since, { limit, ...(cursor ? { cursor } : {}) }), 200);
  });
  app.openapi(history, async (c) => {
    const { projectId, entityType, entityId } = c.req.valid('param');
    if (!resource.project(c, projectId)) return resource.forbidden(c);
    const { limit, cursor } = c.req.valid('query');
    return c.json(await resource.store.changeLog.history(projectId, entityType, entityId, { limit, ...(cursor ? { cursor } : {}) }), 200);
  });
  app.openapi(stats, async (c) => {
    const { projectId } = c.req.valid('param');
    if (!resource.project(c, projectId)) return resource.forbidden(c);
    return c.json(await resource.store.changeLog.stats(projectId), 200);
  });
  app.openapi(live, async (c) => {
    const { projectId } = c.req.valid('param');
    if (!resource.project(c, projectId)) return resource.forbidden(c);
    const lastEventId = c.req.header('last-event-id');
    // A seq is decimal digits: '', '0x10' or '1e3' would otherwise pass as numbers and replay the wrong history.
    if (lastEventId !== undefined && !/^\d{1,16}$/.test(lastEventId.trim()))
      return c.json(errorBody('validation', 'Last-Event-ID must be a change seq'), 400) as never;
    const resumeFrom = lastEventId !== undefined ? Number(lastEventId.trim()) : c.req.valid('query').since;
    if (!Number.isSafeInteger(resumeFrom) || resumeFrom < 0) return c.json(errorBody('validation', 'Last-Event-ID must be a change seq'), 400) as never;
    return streamSSE(c, async (stream) => {
      const changes = resource.store.changeLog.follow(projectId, { fromSeq: resumeFrom })[Symbol.asyncIterator]();
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        resource.live.delete(close);
        void changes.return?.();
        void stream.close();
      };
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n'), resource.heartbeatMs);
      resource.live.add(close);
      stream.onAbort(close);
      try {
        for (;;) {
          const next = await changes.next();
          if (next.done || closed) break;
          await stream.writeSSE({ id: String(next.value.seq), event: 'change', data: JSON.stringify(next.value) });
        }
      } finally {
        close();
      }
    }) as never;
  });
}
