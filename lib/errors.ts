import { CONSTRAINT_ERRORS } from './constraint-errors.js';

/** One entry of an error's `details`: where in the input, and what is wrong there. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * An error with an HTTP status and a stable machine-readable code.
 * The API's error handler turns it into `{"error": {code, message, details?}}`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra response headers, e.g. `Retry-After` on 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message = 'The request is invalid.', details?: ErrorDetail[]) {
    super(400, 'validation_failed', message, details);
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(
    code: 'unauthorized' | 'token_revoked' | 'invalid_credentials' = 'unauthorized',
    message?: string,
  ) {
    super(401, code, message ?? 'Authentication is required.');
  }
}

export class ForbiddenError extends AppError {
  constructor(
    code: 'forbidden' | 'email_not_verified' | 'account_pending' | 'account_removed' = 'forbidden',
    message?: string,
  ) {
    super(403, code, message ?? 'You are not allowed to do this.');
  }
}

/** Missing and "not yours" answer the same, so other people's records never leak. */
export class NotFoundError extends AppError {
  constructor(what = 'resource') {
    super(404, 'not_found', `The ${what} was not found.`);
  }
}

export class ConflictError extends AppError {
  constructor(
    code:
      'conflict' | 'slot_taken' | 'duplicate' | 'invalid_transition' | 'stale_version' | string = 'conflict',
    message = 'The request conflicts with the current state.',
  ) {
    super(409, code, message);
  }
}

/** 428: a conditional write (optimistic concurrency) arrived without saying which version it read. */
export class PreconditionRequiredError extends AppError {
  constructor(message = 'Say which version you are changing (If-Match header or version field).') {
    super(428, 'precondition_required', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'The request body is too large.') {
    super(413, 'payload_too_large', message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'This type of content is not accepted.') {
    super(415, 'unsupported_media_type', message);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many attempts; try again later.') {
    super(429, 'rate_limited', message, undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

export class NotConfiguredError extends AppError {
  constructor(feature: string, message: string) {
    super(503, `${feature}_not_configured`, message);
  }
}

/** 503: the database cannot be reached (outage, failover, restart); the client should retry. */
export class DatabaseUnavailableError extends AppError {
  constructor(retryAfterSeconds = 5) {
    super(503, 'database_unavailable', 'The database is not reachable; try again shortly.', undefined, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

/**
 * 503: object storage (the S3 bucket, or the local upload folder's disk) cannot be used right now:
 * refused or dropped connections, timeouts, S3 5xx/SlowDown, a full or failing disk. Raised only by
 * the storage drivers, which know the error came from the store; the client should retry.
 */
export class StorageUnavailableError extends AppError {
  constructor(
    /** What was attempted (`put`, `get`, `delete`, `exists`), for logs. */
    readonly operation: string,
    cause?: unknown,
    /**
     * For a failed write: whether the store may have kept the bytes anyway (the connection dropped
     * after they went out). `false` only when no connection was ever made (refused, unresolvable).
     */
    readonly maybeStored = true,
  ) {
    super(503, 'storage_unavailable', 'File storage is not reachable; try again shortly.', undefined, {
      'Retry-After': '5',
    });
    this.cause = cause;
  }
}

/**
 * Whether an error means the database connection is gone rather than a bad statement: refused or
 * dropped connections, SQLSTATE classes 08 (connection exception) and 57P01–57P03 (admin shutdown,
 * crash shutdown, cannot connect now), and knex's pool acquire timeout. Storage drivers wrap their own
 * failures ({@link StorageUnavailableError}), so a refused S3 connection never lands here; an AWS SDK
 * error that slips through anyway is recognised by its `$metadata` and refused.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = (err ?? {}) as {
    code?: string;
    name?: string;
    message?: string;
    nativeError?: { code?: string };
  };
  // The AWS SDK's errors (network errors included) carry `$metadata`: never the database's.
  if (typeof err === 'object' && err !== null && '$metadata' in err) return false;
  const code = e.nativeError?.code ?? e.code;
  if (typeof code === 'string') {
    if (/^08[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03'].includes(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code)) {
      return true;
    }
  }
  if (e.name === 'KnexTimeoutError') return true;
  return /Connection terminated|Connection ended unexpectedly|Client has encountered a connection error/.test(
    e.message ?? '',
  );
}

interface PgLikeError {
  code?: string;
  constraint?: string;
  nativeError?: { code?: string; constraint?: string };
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  message?: string;
}

/**
 * zlib and brotli decoder failures (`Z_DATA_ERROR`, `Z_BUF_ERROR`, `ERR__ERROR_FORMAT_PADDING_2`…):
 * what a body declaring `Content-Encoding: gzip | deflate | br` gives when it is not really compressed.
 */
const isDecompressionError = (code: unknown): boolean =>
  typeof code === 'string' &&
  (/^Z_[A-Z_]+$/.test(code) || code.startsWith('ERR__ERROR_') || code.startsWith('ERR_BROTLI'));

/**
 * Translates an error met while reading a request body: a body that does not decode with its
 * declared `Content-Encoding` is the client's fault (400 `malformed_body`); an unknown encoding is
 * already a 415 from the body parser. Anything else passes through to {@link toAppError}.
 */
export function bodyReadError(err: unknown): unknown {
  const e = (err ?? {}) as { code?: unknown };
  if (isDecompressionError(e.code)) {
    return new AppError(
      400,
      'malformed_body',
      'The request body could not be decoded with its Content-Encoding.',
    );
  }
  return err;
}

/**
 * Translates anything thrown into an {@link AppError}: ours pass through, PostgreSQL SQLSTATEs and
 * body-parser errors get their 4xx, and everything else becomes a 500 whose message is never sent.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return new DatabaseUnavailableError();
  const e = (err ?? {}) as PgLikeError;
  const sqlState = e.nativeError?.code ?? e.code;
  const constraint = e.nativeError?.constraint ?? e.constraint;
  const known = constraint ? CONSTRAINT_ERRORS[constraint] : undefined;
  if (known) return new AppError(known.status, known.code, known.message);
  if (typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState)) {
    if (sqlState === '23505')
      return new ConflictError('duplicate', 'A record with these values already exists.');
    if (sqlState === '23P01') return new ConflictError('slot_taken', 'That time is no longer available.');
    if (sqlState === '23503')
      return new ConflictError('conflict', 'A referenced record does not exist or is in use.');
    if (sqlState === '40001' || sqlState === '40P01') {
      return new ConflictError('conflict', 'A concurrent change got there first; try again.');
    }
    if (sqlState === '23514' || sqlState === '23502' || sqlState.startsWith('22')) {
      return new ValidationError('The request contains a value the database cannot accept.');
    }
  }
  // koa-body / co-body / raw-body errors carry an HTTP status and `expose`.
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new PayloadTooLargeError();
    if (status === 415) return new UnsupportedMediaTypeError();
    // co-body (inside koa-body) throws a SyntaxError with status 400 for unparsable JSON.
    if (status === 400 && (e.type === 'entity.parse.failed' || (err as Error).name === 'SyntaxError')) {
      return new AppError(400, 'malformed_json', 'The request body is not valid JSON.');
    }
    return new AppError(status, 'bad_request', e.expose && e.message ? e.message : 'The request is invalid.');
  }
  return new AppError(500, 'internal_error', 'Something went wrong on our side.');
}

/**
 * An error a route can answer, for `/openapi.json`: routes list the domain errors they raise
 * (`errors: [slotTaken, notFound('doctor')]`) and the generator documents each status with its codes.
 */
export interface ErrorSpec {
  status: number;
  code: string;
  description: string;
}

export const errorSpec = (status: number, code: string, description: string): ErrorSpec => ({
  status,
  code,
  description,
});

/** 404 for a referenced record that is missing or not visible to the caller. */
export const notFound = (what: string): ErrorSpec =>
  errorSpec(404, 'not_found', `The ${what} does not exist or is not visible to the caller`);

export const invalidTransition = (what: string): ErrorSpec =>
  errorSpec(409, 'invalid_transition', `The ${what} is not in a state that allows this`);

export const duplicate = (what: string): ErrorSpec =>
  errorSpec(409, 'duplicate', `A ${what} with these values already exists`);

/** 503 for routes that read or write object storage (uploads, downloads of stored files). */
export const storageUnavailable: ErrorSpec = errorSpec(
  503,
  'storage_unavailable',
  'File storage (the S3 bucket or the upload folder) cannot be reached; retry after Retry-After seconds',
);
