import { AppError } from '../errors.js';

/**
 * The PostgreSQL URL that Kong's `KONG_PG_*` settings describe (the reverse of `kongPgEnv`), so the
 * sandbox's stand-in for `kong migrations` finds the database the way Kong would.
 */
export function kongPgUrl(env: Readonly<Record<string, string | undefined>>): string {
  const host = env.KONG_PG_HOST?.trim();
  if (!host) {
    throw new AppError(
      'E_INVALID_INPUT',
      "KONG_PG_HOST is not set, so there is no database to migrate: set KONG_PG_HOST (and KONG_PG_DATABASE, KONG_PG_USER, …) to Y's database.",
    );
  }
  const port = env.KONG_PG_PORT?.trim() || '5432';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) {
    throw new AppError('E_INVALID_INPUT', `KONG_PG_PORT must be a port number such as 5432; got "${port}".`);
  }
  const url = new URL('postgres://localhost');
  // A host starting with / is a Unix socket directory: libpq takes it as ?host=.
  if (host.startsWith('/')) url.searchParams.set('host', host);
  else url.hostname = host.includes(':') ? `[${host}]` : host;
  url.port = port;
  url.username = encodeURIComponent(env.KONG_PG_USER?.trim() || 'kong');
  if (env.KONG_PG_PASSWORD) url.password = encodeURIComponent(env.KONG_PG_PASSWORD);
  url.pathname = `/${encodeURIComponent(env.KONG_PG_DATABASE?.trim() || 'kong')}`;
  if (env.KONG_PG_SSL === 'on')
    url.searchParams.set('sslmode', env.KONG_PG_SSL_VERIFY === 'on' ? 'verify-full' : 'require');
  return url.toString();
}
