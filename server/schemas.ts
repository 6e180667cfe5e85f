import { z } from '@hono/zod-openapi';

/** The error body of every failed request, with the validation issues. */
export const ErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
  }),
});
export const Json = z.record(z.string(), z.unknown());
export const json = <S extends z.ZodType>(schema: S, description: string) => ({ content: { 'application/json': { schema } }, description });
export const errors = {
  400: json(ErrorSchema, 'invalid request (the list of issues)'),
  401: json(ErrorSchema, 'missing or unknown API key'),
  403: json(ErrorSchema, 'the API key may not access this resource'),
  404: json(ErrorSchema, 'not found'),
  409: json(ErrorSchema, 'conflict (already exists, duplicate e-mail, concurrent change)'),
  413: json(ErrorSchema, 'request body too large'),
  500: json(ErrorSchema, 'unexpected error'),
  503: json(ErrorSchema, 'DynamoDB unavailable or throttling'),
} as const;
export const page = (item: z.ZodType) => z.object({ items: z.array(item), cursor: z.string().optional() });
/** A `limit` query parameter: a default, capped at the app's maximum. */
export const limitParam = (fallback: number, maxLimit: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .default(fallback)
    .transform((value) => Math.min(value, maxLimit));
