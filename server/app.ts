import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Store } from '../entities/index.ts';
import { apiKeysFromEnv, type ApiKeys } from './auth.ts';
import { type Env, resourceOf } from './context.ts';
import { errorBody, errorResponse } from './errors.ts';
import { changeRoutes } from './resources/changes.ts';
import { healthRoutes } from './resources/health.ts';
import { progressRoutes } from './resources/progress.ts';
import { userRoutes } from './resources/users.ts';

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

/** One app for Node and Lambda: the change log, users and video progress over JSON and SSE. */
export function createHttpApp(store: Store, options: HttpAppOptions = {}): HttpApp {
  const keys = options.apiKeys ?? apiKeysFromEnv();
  const resource = resourceOf(store, keys, { maxLimit: options.maxLimit ?? 1000, heartbeatMs: options.heartbeatMs ?? 15_000 });
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
  changeRoutes(app, resource);
  userRoutes(app, resource);
  progressRoutes(app, resource);
  healthRoutes(app, resource);
  app.doc('/openapi.json', { openapi: '3.0.3', info: { title: 'tablekit HTTP API', version: '0.1.0' } });

  return {
    app,
    fetch: (request) => app.fetch(request),
    closeLiveStreams: () => {
      for (const close of [...resource.live]) close();
    },
  };
}
