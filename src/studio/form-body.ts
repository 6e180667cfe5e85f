import type { Context } from 'hono';

/** The text fields of a POSTed form (files ignored). Hono caches the parsed body, so reading it twice is free. */
export async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
