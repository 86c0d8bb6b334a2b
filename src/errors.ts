/**
 * Typed errors with stable codes. Code branches on `code` (and `retryable`), never on message text.
 * Messages are for people: plain words, what happened and what to do; never a secret.
 */
export const ERROR_CODES = [
  'E_CONFIG_INVALID',
  'E_ENV_INVALID',
  'E_SLACK_UNREACHABLE',
  'E_SLACK_API',
  'E_KONG_UNREACHABLE',
  'E_KONG_UNAUTHORIZED',
  'E_KONG_BAD_RESPONSE',
  'E_KONG_TIMEOUT',
  'E_PGDUMP_MISSING',
  'E_PGDUMP_VERSION',
  'E_PG_AUTH',
  'E_PG_DATABASE_MISSING',
  'E_PG_UNREACHABLE',
  'E_DISK',
  'E_RESTORE_TARGET_NOT_EMPTY',
  'E_BACKUP_FAILED',
  'E_BACKUP_CORRUPT',
  'E_RESTORE_FAILED',
  'E_DEPLOY_FAILED',
  'E_DEPLOY_TIMEOUT',
  'E_REHEARSAL_FAILED',
  'E_REHEARSAL_TIMEOUT',
  'E_VERIFY_FAILED',
  'E_ROUTER_APPLY',
  'E_ROUTER_READBACK',
  'E_ROUTER_UNREACHABLE',
  'E_METRICS_UNREACHABLE',
  'E_METRICS_BAD_RESPONSE',
  'E_STORE_CONFLICT',
  'E_STORE_UNAVAILABLE',
  'E_NOT_FOUND',
  'E_INVALID_INPUT',
  'E_PREFLIGHT_FAILED',
  'E_FREEZE_DRIFT',
  'E_DATA_PLANES_NOT_READY',
  'E_SERVICES_UNREACHABLE',
  'E_UNKNOWN',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Non-secret facts for logs and audit (never tokens or passwords). */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Wraps anything foreign so callers always see a code; the original is kept as `cause`. */
export function asAppError(value: unknown): AppError {
  if (value instanceof AppError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new AppError('E_UNKNOWN', message, { cause: value, retryable: true });
}
