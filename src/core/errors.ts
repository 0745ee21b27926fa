/**
 * The one catalogue of Paperboy's error codes. Every domain error carries a stable code from here and
 * a message that names the offending value and says how to fix it. Only the edges (CLI, HTTP) map
 * codes to exit statuses or HTTP statuses.
 */
export const ErrorCodes = {
  INVALID_RECORD: 'Invalid record: a field is missing, malformed or too long.',
  INVALID_ID: 'Invalid paper id: use an arXiv id (2401.01234, hep-th/9901001) or source:id.',
  MALFORMED_INPUT: 'The input file or stream is malformed (syntax, encoding or truncation).',
  UNSAFE_XML: 'The XML uses a DOCTYPE or entities, which are refused for safety.',
  UNKNOWN_FORMAT: 'The input format could not be detected; pass --format.',
  INVALID_CONFIG: 'The configuration is invalid.',
  SCHEMA_TOO_NEW: 'The database was written by a newer Paperboy.',
  UPSTREAM_FAILED: 'The upstream service (arXiv) failed or misbehaved.',
  UPSTREAM_BAD_TOKEN: 'The upstream resumption token expired or is invalid.',
  NOT_FOUND: 'Not found.',
  INVALID_REQUEST: 'The request is invalid: a parameter is missing, contradicts another or names a paper that cannot be used.',
  MODEL_FAILED: 'The embedding model failed while running (its worker thread stopped or threw).',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class PaperboyError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PaperboyError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

export function isPaperboyError(error: unknown, code?: ErrorCode): error is PaperboyError {
  return error instanceof PaperboyError && (code === undefined || error.code === code);
}

/** A readable one-line message for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
