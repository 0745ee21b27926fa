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

/** The form content types the pages post; anything else is refused before parsing. */
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);
/** No form of ours has more than a dozen fields; a body with thousands is refused. */
export const MAX_FORM_FIELDS = 100;

/** Fields of a form body: a field sent more than once is a list. Files are refused, but for a route's {@link FormOptions.textFiles}. */
export type FormFields = Record<string, string | string[]>;

export interface FormOptions {
  /** The route's file fields, each one file read as text (within the route's body limit); any other file is refused. */
  textFiles?: readonly string[];
}

const mediaTypeOf = (c: Context) => (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

/** True when the request declares a form body (urlencoded or multipart). */
export const hasFormBody = (c: Context) => FORM_TYPES.has(mediaTypeOf(c));

/**
 * Reads a form body (urlencoded or multipart; no content type reads as an empty form). Every way
 * it can be wrong is a 4xx that says what is wrong: another content type (415), a multipart body
 * without a boundary or that does not parse, more than {@link MAX_FORM_FIELDS} fields, a file in a
 * field that is not one of `options.textFiles`, or more than one file in such a field (400).
 * The parsed body is cached by Hono, so the CSRF check and the route read it once.
 */
export async function readForm(c: Context, options: FormOptions = {}): Promise<FormFields> {
  const type = mediaTypeOf(c);
  if (!type) return {};
  if (!FORM_TYPES.has(type)) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `body: expected a form (application/x-www-form-urlencoded or multipart/form-data), got ${JSON.stringify(type.slice(0, 80))}`);
  }
  if (type === 'multipart/form-data' && !/;\s*boundary=("?)[^";\s]+\1/i.test(c.req.header('content-type') ?? '')) {
    throw new ApiError(400, 'BAD_REQUEST', 'body: multipart/form-data needs a boundary parameter in Content-Type');
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = await c.req.parseBody({ all: true });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, 'BAD_REQUEST', `body: not a valid ${type} body (${(error as Error).message})`);
  }
  const fields: FormFields = Object.create(null) as FormFields;
  let count = 0;
  for (const [name, value] of Object.entries(parsed)) {
    const values = Array.isArray(value) ? value : [value];
    count += values.length;
    if (count > MAX_FORM_FIELDS) throw new ApiError(400, 'BAD_REQUEST', `body: more than ${MAX_FORM_FIELDS} form fields`);
    if (options.textFiles?.includes(name) && values.some((v) => v instanceof File)) {
      if (values.length > 1) throw new ApiError(400, 'INVALID_PARAMETER', `field ${name}: one file at most`, { parameter: name });
      fields[name] = await (values[0] as File).text(); // within the route's body limit (create-app.ts)
      continue;
    }
    if (values.some((v) => typeof v !== 'string')) {
      throw new ApiError(400, 'INVALID_PARAMETER', `field ${name.slice(0, 80)}: files are not accepted here`, { parameter: name.slice(0, 80) });
    }
    fields[name] = value as string | string[];
  }
  return fields;
}

/**
 * Reads a JSON body: a content type other than JSON is a 415, a body that does not parse a 400
 * (no content type at all is read as JSON).
 */
export async function readJson(c: Context): Promise<unknown> {
  const type = mediaTypeOf(c);
  if (type && type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `body: expected JSON (Content-Type: application/json), got ${JSON.stringify(type.slice(0, 80))}`);
  }
  try {
    return await c.req.json();
  } catch {
    throw new ApiError(400, 'BAD_REQUEST', 'body: expected a JSON object (Content-Type: application/json)');
  }
}
