import { AppError } from '../errors.js';

interface PgLikeError {
  code?: unknown;
  message?: unknown;
}

const UNREACHABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);

/**
 * Maps an error from node-postgres to a typed error. Branches on SQLSTATE / errno codes only
 * (28P01 bad password, 28000 login refused, 3D000 no such database).
 */
export function classifyPgClientError(error: unknown, maskedUrl: string, action: string): AppError {
  if (error instanceof AppError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as PgLikeError;
  const code = typeof e.code === 'string' ? e.code : '';
  const text = typeof e.message === 'string' ? e.message : String(error);
  const details = { database: maskedUrl, pgCode: code };
  if (code === '28P01' || code === '28000') {
    return new AppError(
      'E_PG_AUTH',
      `Could not ${action}: the server refused the login for ${maskedUrl} (${text}). Check the user and password in the configured database URL and the server's pg_hba.conf.`,
      { cause: error, details },
    );
  }
  if (code === '3D000') {
    return new AppError(
      'E_PG_DATABASE_MISSING',
      `Could not ${action}: the database in ${maskedUrl} does not exist. Check the database name in the configured URL, or create it.`,
      { cause: error, details },
    );
  }
  if (UNREACHABLE_ERRNO.has(code) || /timeout/i.test(code) || code === '57P03') {
    return new AppError(
      'E_PG_UNREACHABLE',
      `Could not ${action}: the database server of ${maskedUrl} did not answer (${code || text}). Check that it runs and host/port are right; this can be retried.`,
      { cause: error, details, retryable: true },
    );
  }
  return new AppError('E_UNKNOWN', `Could not ${action} on ${maskedUrl}: ${text}`, {
    cause: error,
    details,
    retryable: true,
  });
}
