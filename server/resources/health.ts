import { createRoute, z } from '@hono/zod-openapi';
import type { App, Resource } from '../context.ts';
import { errors, json } from '../schemas.ts';

/** The table is ACTIVE (200) or not (503); no API key needed. */
export function healthRoutes(app: App, resource: Resource): void {
  const health = createRoute({
    method: 'get',
    path: '/health',
    responses: {
      200: json(z.object({ status: z.string(), table: z.string() }), 'the table is ACTIVE'),
      503: json(z.object({ status: z.string(), table: z.string() }), 'the table is not available'),
      500: errors[500],
    },
  });

  app.openapi(health, async (c) => {
    const table = await resource.store.table.describe();
    if (table?.status !== 'ACTIVE') return c.json({ status: 'unavailable', table: resource.store.table.tableName }, 503) as never;
    return c.json({ status: 'ok', table: resource.store.table.tableName }, 200);
  });
}
