import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { isRepositoryError, RepositoryError } from 'tablekit';
import { normaliseEmail } from 'tablekit/services';
import type { Store } from '../entities/index.ts';
import { apiKeysFromEnv, isAdmin, mayAccessProject, type ApiKeys, type KeyScope } from './auth.ts';
import { errorBody, errorResponse } from './errors.ts';
import { routes } from './routes.ts';

export interface HttpAppOptions {
  /** API keys (default: TABLEKIT_API_KEYS / TABLEKIT_API_KEYS_FILE). No keys = open (serve binds to 127.0.0.1). */
  apiKeys?: ApiKeys;
  /** Largest accepted request body in bytes (default 1 MiB); larger → 413. */
  maxBodyBytes?: number;
  /** Largest `limit` a list accepts; larger values are capped (default 1000). */
  maxLimit?: number;
  /** Interval of SSE keep-alive comments (default 15 s). */
  heartbeatMs?: number;
}

export interface HttpApp {
  readonly app: OpenAPIHono<Env>;
  readonly fetch: (request: Request) => Response | Promise<Response>;
  /** Ends every open SSE stream (for shutdown); idempotent. */
  closeLiveStreams(): void;
}

type Env = { Variables: { scope: KeyScope | undefined } };
/** The versions an If-Match header accepts: undefined for any (no header, or `*`); [] when none can match. */
function ifMatchVersions(header: string | undefined): number[] | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const tags = header.split(',').map((tag) =>
    tag
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1'),
  );
  return [...new Set(tags.filter((tag) => /^[1-9]\d{0,14}$/.test(tag)).map(Number))];
}

/** One app for Node and Lambda: the change log, users and video progress over JSON and SSE. */
export function createHttpApp(store: Store, options: HttpAppOptions = {}): HttpApp {
  const keys = options.apiKeys ?? apiKeysFromEnv();
  const maxLimit = options.maxLimit ?? 1000;
  const live = new Set<() => void>();
  const r = routes(maxLimit);
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (result.success) return undefined;
      const issues = result.error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: issue.message }));
      return c.json(errorBody('validation', 'invalid request', issues), 400);
    },
  });

  app.onError((error, c) => errorResponse(c, error));
  app.notFound((c) => c.json(errorBody('notFound', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.use(
    '*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 1024 * 1024,
      onError: (c) => {
        // The server drops the rest of the body and the socket: say so, so clients do not reuse it.
        c.header('Connection', 'close');
        return c.json(errorBody('validation', 'request body too large'), 413);
      },
    }),
  );
  app.use('*', async (c, next) => {
    const header = c.req.header('authorization');
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : c.req.header('x-api-key');
    const scope = keys.authenticate(presented);
    const open = c.req.path === '/health' || c.req.path === '/openapi.json';
    if (keys.enabled && !scope && !open) return c.json(errorBody('unauthorized', 'a valid API key is required (Authorization: Bearer <key>)'), 401);
    c.set('scope', scope);
    await next();
  });
  // Typed `never` so that each handler's declared success response stays its return type.
  const forbidden = (c: Context<Env>): never => c.json(errorBody('forbidden', 'this API key may not access this resource'), 403) as never;
  const project = (c: Context<Env>, projectId: string) => mayAccessProject(c.get('scope'), keys, projectId);
  const admin = (c: Context<Env>) => isAdmin(c.get('scope'), keys);

  // --- change log ---------------------------------------------------------------------------
  app.openapi(r.appendChanges, async (c) => {
    const { projectId } = c.req.valid('param');
    if (!project(c, projectId)) return forbidden(c);
    const body = c.req.valid('json');
    const changes = await store.changeLog.appendMany(projectId, Array.isArray(body) ? body : [body]);
    return c.json({ changes }, 201);
  });
  app.openapi(r.listChanges, async (c) => {
    const { projectId } = c.req.valid('param');
    if (!project(c, projectId)) return forbidden(c);
    const { since, limit, cursor } = c.req.valid('query');
    return c.json(await store.changeLog.since(projectId, since, { limit, ...(cursor ? { cursor } : {}) }), 200);
  });
  app.openapi(r.history, async (c) => {
    const { projectId, entityType, entityId } = c.req.valid('param');
    if (!project(c, projectId)) return forbidden(c);
    const { limit, cursor } = c.req.valid('query');
    return c.json(await store.changeLog.history(projectId, entityType, entityId, { limit, ...(cursor ? { cursor } : {}) }), 200);
  });
  app.openapi(r.stats, async (c) => {
    const { projectId } = c.req.valid('param');
    if (!project(c, projectId)) return forbidden(c);
    return c.json(await store.changeLog.stats(projectId), 200);
  });
  app.openapi(r.live, async (c) => {
    const { projectId } = c.req.valid('param');
    if (!project(c, projectId)) return forbidden(c);
    const lastEventId = c.req.header('last-event-id');
    const resumeFrom = lastEventId !== undefined ? Number(lastEventId) : c.req.valid('query').since;
    if (!Number.isSafeInteger(resumeFrom) || resumeFrom < 0) return c.json(errorBody('validation', 'Last-Event-ID must be a change seq'), 400) as never;
    return streamSSE(c, async (stream) => {
      const changes = store.changeLog.follow(projectId, { fromSeq: resumeFrom })[Symbol.asyncIterator]();
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        live.delete(close);
        void changes.return?.();
        void stream.close();
      };
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
      live.add(close);
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

  // --- users --------------------------------------------------------------------------------
  app.openapi(r.register, async (c) => {
    if (!admin(c)) return forbidden(c);
    return c.json(await store.userService.register(c.req.valid('json')), 201);
  });
  app.openapi(r.getUser, async (c) => {
    if (!admin(c)) return forbidden(c);
    return c.json(await store.userService.get(c.req.valid('param').userId), 200);
  });
  app.openapi(r.findUser, async (c) => {
    if (!admin(c)) return forbidden(c);
    const { email } = c.req.valid('query');
    return c.json(await store.userService.getByEmail(email), 200);
  });
  app.openapi(r.patchUser, async (c) => {
    if (!admin(c)) return forbidden(c);
    const { userId } = c.req.valid('param');
    const patch = c.req.valid('json');
    // RFC 9110: `*` matches any current version; otherwise a list of ETags (the version, also weak
    // or unquoted). A tag that is no version can never match: 412, like a stale one.
    const versions = ifMatchVersions(c.req.header('if-match'));
    let expected = versions?.[0];
    if (versions !== undefined && versions.length !== 1) {
      const current = await store.userService.get(userId);
      if (!versions.includes(current.version))
        return c.json(errorBody('conflict', `user '${userId}' is at version ${current.version}, If-Match names no such version`), 412) as never;
      expected = current.version;
    }
    const set = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    if (set.email !== undefined) set.email = normaliseEmail(String(set.email));
    try {
      // One UpdateItem (a transaction when the e-mail and its claim move), guarded by the version.
      const updated =
        Object.keys(set).length === 0
          ? await store.userService.get(userId)
          : await store.entities.user.patch(userId, { set }, expected === undefined ? {} : { version: expected });
      if (Object.keys(set).length === 0 && expected !== undefined && updated.version !== expected)
        throw new RepositoryError('conflict', `user '${userId}' is at version ${updated.version}, If-Match said ${expected}`, { id: userId });
      c.header('ETag', `"${updated.version}"`);
      return c.json(updated, 200);
    } catch (error) {
      if (expected !== undefined && isRepositoryError(error, 'conflict')) return c.json(errorBody('conflict', error.message), 412) as never;
      throw error;
    }
  });
  app.openapi(r.deleteUser, async (c) => {
    if (!admin(c)) return forbidden(c);
    await store.userService.delete(c.req.valid('param').userId);
    return c.body(null, 204);
  });

  // --- video progress -----------------------------------------------------------------------
  app.openapi(r.recordProgress, async (c) => {
    if (!admin(c)) return forbidden(c);
    const { userId, videoId } = c.req.valid('param');
    const body = c.req.valid('json');
    await store.userService.get(userId);
    return c.json(await store.videoProgressService.record(userId, videoId, body), 200);
  });
  app.openapi(r.listProgress, async (c) => {
    if (!admin(c)) return forbidden(c);
    return c.json({ items: await store.videoProgressService.forUser(c.req.valid('param').userId) }, 200);
  });
  app.openapi(r.continueWatching, async (c) => {
    if (!admin(c)) return forbidden(c);
    const { limit } = c.req.valid('query');
    return c.json({ items: await store.videoProgressService.continueWatching(c.req.valid('param').userId, { limit }) }, 200);
  });

  // --- operations ---------------------------------------------------------------------------
  app.openapi(r.health, async (c) => {
    const table = await store.table.describe();
    if (table?.status !== 'ACTIVE') return c.json({ status: 'unavailable', table: store.table.tableName }, 503) as never;
    return c.json({ status: 'ok', table: store.table.tableName }, 200);
  });
  app.doc('/openapi.json', { openapi: '3.0.3', info: { title: 'tablekit HTTP API', version: '0.1.0' } });

  return {
    app,
    fetch: (request) => app.fetch(request),
    closeLiveStreams: () => {
      for (const close of [...live]) close();
    },
  };
}

export { z };
