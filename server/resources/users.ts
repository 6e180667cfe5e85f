import { createRoute, z } from '@hono/zod-openapi';
import { isRepositoryError, RepositoryError } from 'tablekit';
import { normaliseEmail, User } from 'tablekit/services';
import type { App, Resource } from '../context.ts';
import { errorBody } from '../errors.ts';
import { ErrorSchema, errors, Json, json } from '../schemas.ts';

const Email = z.string().transform(normaliseEmail).pipe(User.schema.shape.email);
const UserParams = z.object({ userId: User.schema.shape.userId });

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

/** Users: register (unique e-mail), read, find by e-mail, patch with If-Match, delete. */
export function userRoutes(app: App, resource: Resource): void {
  const register = createRoute({
    method: 'post',
    path: '/users',
    request: {
      body: {
        content: { 'application/json': { schema: z.object({ email: Email, firstName: User.schema.shape.firstName, lastName: User.schema.shape.lastName }) } },
        required: true,
      },
    },
    responses: { 201: json(Json, 'the registered user'), ...errors },
  });
  const getUser = createRoute({
    method: 'get',
    path: '/users/{userId}',
    request: { params: UserParams },
    responses: { 200: json(Json, 'the user'), ...errors },
  });
  const findUser = createRoute({
    method: 'get',
    path: '/users',
    request: { query: z.object({ email: Email }) },
    responses: { 200: json(Json, 'the user with that e-mail'), ...errors },
  });
  const patchUser = createRoute({
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
  });
  const deleteUser = createRoute({
    method: 'delete',
    path: '/users/{userId}',
    request: { params: UserParams },
    responses: { 204: { description: 'deleted with claim and progress' }, ...errors },
  });

  app.openapi(register, async (c) => {
    if (!resource.admin(c)) return resource.forbidden(c);
    return c.json(await resource.store.userService.register(c.req.valid('json')), 201);
  });
  app.openapi(getUser, async (c) => {
    if (!resource.admin(c)) return resource.forbidden(c);
    return c.json(await resource.store.userService.get(c.req.valid('param').userId), 200);
  });
  app.openapi(findUser, async (c) => {
    if (!resource.admin(c)) return resource.forbidden(c);
    const { email } = c.req.valid('query');
    return c.json(await resource.store.userService.getByEmail(email), 200);
  });
  app.openapi(patchUser, async (c) => {
    if (!resource.admin(c)) return resource.forbidden(c);
    const { userId } = c.req.valid('param');
    const patch = c.req.valid('json');
    // RFC 9110: `*` matches any current version; otherwise a list of ETags (the version, also weak
    // or unquoted). A tag that is no version can never match: 412, like a stale one.
    const versions = ifMatchVersions(c.req.header('if-match'));
    let expected = versions?.[0];
    if (versions !== undefined && versions.length !== 1) {
      const current = await resource.store.userService.get(userId);
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
          ? await resource.store.userService.get(userId)
          : await resource.store.entities.user.patch(userId, { set }, expected === undefined ? {} : { version: expected });
      if (Object.keys(set).length === 0 && expected !== undefined && updated.version !== expected)
        throw new RepositoryError('conflict', `user '${userId}' is at version ${updated.version}, If-Match said ${expected}`, { id: userId });
      c.header('ETag', `"${updated.version}"`);
      return c.json(updated, 200);
    } catch (error) {
      if (expected !== undefined && isRepositoryError(error, 'conflict')) return c.json(errorBody('conflict', error.message), 412) as never;
      throw error;
    }
  });
  app.openapi(deleteUser, async (c) => {
    if (!resource.admin(c)) return resource.forbidden(c);
    await resource.store.userService.delete(c.req.valid('param').userId);
    return c.body(null, 204);
  });
}
