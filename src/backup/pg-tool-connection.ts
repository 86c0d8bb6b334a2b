import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';

export interface PgToolConnection {
  /** `--dbname=<connection URI without password>`: safe to show in `ps`. */
  dbnameArg: string;
  /** Variables to add to the child's environment (PGPASSWORD when the URL has one). */
  env: Record<string, string>;
  /** The database name, for messages. */
  database: string;
}

/**
 * Splits a database URL into what pg_dump/pg_restore get: the password travels in PGPASSWORD
 * (the environment of the child only), never in argv, so it cannot leak through `ps` or logs.
 */
export function pgToolConnection(databaseUrl: string): PgToolConnection {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch (cause) {
    throw new AppError(
      'E_INVALID_INPUT',
      'The database URL cannot be parsed. Use postgres://user@host:port/db.',
      {
        cause,
      },
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new AppError(
      'E_INVALID_INPUT',
      `The database URL ${maskUrl(databaseUrl)} is not a postgres:// URL. Use postgres://user@host:port/db.`,
    );
  }
  const env: Record<string, string> = {};
  if (url.password !== '') env.PGPASSWORD = decodeURIComponent(url.password);
  const password = url.searchParams.get('password');
  if (password !== null) {
    env.PGPASSWORD = password;
    url.searchParams.delete('password');
  }
  url.password = '';
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return { dbnameArg: `--dbname=${url.toString()}`, env, database };
}
