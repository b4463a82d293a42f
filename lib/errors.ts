/**
 * One error base with stable codes. The HTTP layer maps `status` and answers
 * `{ error, code, details?, request_id }`; every code here is listed in
 * docs/errors.md and a test keeps that list complete.
 */

/** Every error code Kubently can answer with, and the HTTP status it maps to. */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  POLICY_DENIED: 403,
  CSRF_FAILED: 403,
  NOT_FOUND: 404,
  CLUSTER_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  RESULT_NOT_FOUND: 404,
  COMMAND_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  CLUSTER_NOT_CONNECTED: 409,
  TOKEN_EXISTS: 409,
  SESSION_CLOSED: 409,
  RESULT_REJECTED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPGRADE_REQUIRED: 426,
  RATE_LIMITED: 429,
  CLUSTER_BUSY: 429,
  INTERNAL: 500,
  WEBSOCKET_UNAVAILABLE: 501,
  BACKEND_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  ALERTS_BUSY: 503,
} as const;

/** A stable, UPPER_SNAKE error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options for {@link KubentlyError}. */
export interface KubentlyErrorOptions {
  /** Structured detail for the caller (field names, allowed values...). */
  details?: unknown;
  /** The underlying error, kept for logs; never sent to callers. */
  cause?: unknown;
  /** Overrides the status implied by the code. */
  status?: number;
}

/** The one error type Kubently throws on purpose. */
export class KubentlyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: KubentlyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KubentlyError";
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code];
    if (options.details !== undefined) this.details = options.details;
  }
}

/** True when `err` is a {@link KubentlyError}, optionally with the given code. */
export function isKubentlyError(err: unknown, code?: ErrorCode): err is KubentlyError {
  return err instanceof KubentlyError && (code === undefined || err.code === code);
}
