import type { Context } from 'hono';
import { z } from 'zod';
import { isIsoDay } from '../core/periods.ts';
import { ApiError } from './errors.ts';

/** Parses input with a schema; the first problem becomes a 400 that names the parameter. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, where = 'parameter'): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.length ? String(issue.path[0]) : '(body)';
  const at = issue.path.length > 1 ? ` (item ${issue.path.slice(1).join('.')})` : '';
  throw new ApiError(400, 'INVALID_PARAMETER', `${where} ${name}${at}: ${issue.message}`, { parameter: name, problems: result.error.issues.map((i) => ({ parameter: i.path.join('.'), message: i.message })) });
}

/** Query parameters; repeated ones (category=a&category=b) become arrays, others strings. */
export function queryOf<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  const all = c.req.queries();
  const input: Record<string, string | string[]> = {};
  for (const [key, values] of Object.entries(all)) input[key] = values.length > 1 ? values : values[0]!;
  return parseWith(schema, input);
}

export const isoDay = z.string().refine(isIsoDay, 'must be a date YYYY-MM-DD');
/** One value, several (repeated parameter) or comma-separated: always a list. */
export const categoryList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[a-zA-Z-]+(\.[A-Za-z-]+)?$/, 'must be an arXiv category such as cs.CL or cs')).max(20));
export const limitParam = (max = 100, fallback = 20) => z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(fallback);
export const pageParam = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000').default(1);

export const paginationQuery = z.object({ limit: limitParam(), page: pageParam });
