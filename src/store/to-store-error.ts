import pg from 'pg';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';

/** Which step failed: getting a connection, or running a statement on one. */
export type StoreErrorStage = 'connect' | 'query';

const CONFLICT_STATES = new Set(['40001', '40P01', '55P03']); // serialization, deadlock, lock timeout
const UNAVAILABLE_STATES = new Set(['53300', '57P01', '57P02', '57P03']); // too many conns, shutdown

/**
 * Turns a pg/network error into an AppError with a stable code. Classified by SQLSTATE and error
 * class, never by message text; the URL in the message is masked.
 */
export function toStoreError(error: unknown, databaseUrl: string, stage: StoreErrorStage): AppError {
  if (error instanceof AppError) return error;
  const where = maskUrl(databaseUrl);
  const sqlState = error instanceof pg.DatabaseError ? error.code : undefined;
  if (sqlState === undefined) {
    // Not a server answer: refused, reset, DNS, timeout or a dropped connection.
    const errno = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    return new AppError(
      'E_STORE_UNAVAILABLE',
      `PostgreSQL is not reachable at ${where} (${stage === 'connect' ? 'could not connect' : 'connection lost'}). Check that the server is running and DATABASE_URL is right; the operation can be retried.`,
      {
        retryable: true,
        cause: error,
        details: { errno: typeof errno === 'string' ? errno : undefined, stage },
      },
    );
  }
  const details = {
    sqlState,
    constraint: error instanceof pg.DatabaseError ? error.constraint : undefined,
    table: error instanceof pg.DatabaseError ? error.table : undefined,
  };
  if (sqlState === '28P01' || sqlState === '28000') {
    return new AppError(
      'E_STORE_UNAVAILABLE',
      `PostgreSQL at ${where} refused the login. Check the user and password in DATABASE_URL.`,
      { retryable: false, cause: error, details },
    );
  }
  if (sqlState === '3D000') {
    return new AppError(
      'E_STORE_UNAVAILABLE',
      `The database in ${where} does not exist. Run \`npm run migrate\` (it creates it) or fix DATABASE_URL.`,
      { retryable: false, cause: error, details },
    );
  }
  if (sqlState.startsWith('08') || UNAVAILABLE_STATES.has(sqlState)) {
    return new AppError(
      'E_STORE_UNAVAILABLE',
      `PostgreSQL is not reachable at ${where} (SQLSTATE ${sqlState}). Check the server; the operation can be retried.`,
      { retryable: true, cause: error, details },
    );
  }
  if (sqlState === '57014') {
    return new AppError(
      'E_STORE_UNAVAILABLE',
      `PostgreSQL at ${where} did not finish a statement in time (statement timeout). It may be overloaded; retry.`,
      { retryable: true, cause: error, details },
    );
  }
  if (CONFLICT_STATES.has(sqlState)) {
    return new AppError(
      'E_STORE_CONFLICT',
      'A concurrent change to the same record got in first. Retry the operation.',
      { retryable: true, cause: error, details },
    );
  }
  if (sqlState === '23505') {
    // Callers that expect a specific unique violation look at details.constraint.
    return new AppError(
      'E_STORE_CONFLICT',
      `The record already exists (unique constraint ${details.constraint ?? 'unknown'}).`,
      { retryable: false, cause: error, details },
    );
  }
  return new AppError(
    'E_UNKNOWN',
    `PostgreSQL rejected a statement (SQLSTATE ${sqlState}). This is a bug in the bot or its schema; see the logs.`,
    { retryable: false, cause: error, details },
  );
}
