import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Store } from '../entities/index.ts';
import { type ApiKeys, isAdmin, type KeyScope, mayAccessProject } from './auth.ts';
import { errorBody } from './errors.ts';

export type Env = { Variables: { scope: KeyScope | undefined } };
export type App = OpenAPIHono<Env>;

/** What every resource's routes share: the store, limits, the open SSE streams and access checks. */
export interface Resource {
  readonly store: Store;
  readonly maxLimit: number;
  readonly heartbeatMs: number;
  /** Closers of the open SSE streams (for shutdown). */
  readonly live: Set<() => void>;
  /** A 403 response, typed `never` so that each handler's declared success response stays its return type. */
  forbidden(c: Context<Env>): never;
  project(c: Context<Env>, projectId: string): boolean;
  admin(c: Context<Env>): boolean;
}

export function resourceOf(store: Store, keys: ApiKeys, options: { maxLimit: number; heartbeatMs: number }): Resource {
  return {
    store,
    ...options,
    live: new Set(),
    forbidden: (c) => c.json(errorBody('forbidden', 'this API key may not access this resource'), 403) as never,
    project: (c, projectId) => mayAccessProject(c.get('scope'), keys, projectId),
    admin: (c) => isAdmin(c.get('scope'), keys),
  };
}
