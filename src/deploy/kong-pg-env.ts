import { AppError } from '../errors.js';

/** libpq sslmode → Kong's pg_ssl / pg_ssl_required / pg_ssl_verify. */
const SSL_MODES: Record<string, { ssl: 'on' | 'off'; required: 'on' | 'off'; verify: 'on' | 'off' }> = {
  disable: { ssl: 'off', required: 'off', verify: 'off' },
  allow: { ssl: 'on', required: 'off', verify: 'off' },
  prefer: { ssl: 'on', required: 'off', verify: 'off' },
  require: { ssl: 'on', required: 'on', verify: 'off' },
  'verify-ca': { ssl: 'on', required: 'on', verify: 'on' },
  'verify-full': { ssl: 'on', required: 'on', verify: 'on' },
};

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    // Not valid percent-encoding: the text as written is what the user meant.
    return part;
  }
}

function invalid(message: string): AppError {
  return new AppError('E_CONFIG_INVALID', message, {
    details: {
      key: 'clusterY.databaseUrl',
      remedy: 'Set clusterY.databaseUrl to a URL like postgres://kong:PASSWORD@db-host:5432/kong.',
    },
  });
}

/**
 * Kong's `KONG_PG_*` settings for Y's database, derived from `clusterY.databaseUrl`, so the deploy
 * commands (e.g. `kong migrations up`) run against the database the restore filled. The result holds
 * the password: put it only into a child's environment, never into a log or a message.
 */
export function kongPgEnv(databaseUrl: string): Record<string, string> {
  if (!URL.canParse(databaseUrl))
    throw invalid("clusterY.databaseUrl is not a URL, so Kong cannot be pointed at Y's database.");
  const url = new URL(databaseUrl);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw invalid(`clusterY.databaseUrl must be a postgres:// URL (it starts with ${url.protocol}//).`);
  }
  // A libpq-style ?host= (e.g. a Unix socket directory) wins over the URL's host, as in psql.
  const host = url.searchParams.get('host') ?? decode(url.hostname.replace(/^\[(.*)\]$/, '$1'));
  if (host === '') throw invalid("clusterY.databaseUrl has no host, so Kong cannot reach Y's database.");
  const database = decode(url.pathname.replace(/^\//, ''));
  const env: Record<string, string> = {
    KONG_DATABASE: 'postgres',
    KONG_PG_HOST: host,
    KONG_PG_PORT: url.searchParams.get('port') ?? (url.port || '5432'),
  };
  const user = url.searchParams.get('user') ?? decode(url.username);
  if (user !== '') env.KONG_PG_USER = user;
  const password = url.searchParams.get('password') ?? decode(url.password);
  if (password !== '') env.KONG_PG_PASSWORD = password;
  const dbname = url.searchParams.get('dbname') ?? database;
  if (dbname !== '') env.KONG_PG_DATABASE = dbname;
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null) {
    const mode = SSL_MODES[sslmode];
    if (!mode) {
      throw invalid(
        `clusterY.databaseUrl has sslmode=${sslmode}; use one of ${Object.keys(SSL_MODES).join(', ')}.`,
      );
    }
    env.KONG_PG_SSL = mode.ssl;
    env.KONG_PG_SSL_REQUIRED = mode.required;
    env.KONG_PG_SSL_VERIFY = mode.verify;
  }
  return env;
}
