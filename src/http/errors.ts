import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Stable error codes of the HTTP API (the `error.code` of every JSON error). */
export type ApiErrorCode =
  | 'BAD_REQUEST' | 'INVALID_PARAMETER' | 'NOT_FOUND' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'CSRF' | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE' | 'RATE_LIMITED' | 'METHOD_NOT_ALLOWED' | 'INTERNAL';

/** The one HTTP error type; `onError` turns it into JSON (API) or an HTML page. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(status, { message });
  }
}

export const notFound = (what: string) => new ApiError(404, 'NOT_FOUND', what);
export const invalidParameter = (name: string, problem: string) => new ApiError(400, 'INVALID_PARAMETER', `parameter ${name}: ${problem}`, { parameter: name });

/** Route pattern of a paper id: one segment, or an old-style archive/NNNNNNN id with its slash. */
export const ID_PATTERN = ':id{[^/]+(?:/[0-9]{7}(?:v[0-9]+)?)?}';
