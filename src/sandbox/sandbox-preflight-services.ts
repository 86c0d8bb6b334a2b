import { Redis } from 'ioredis';
import pg from 'pg';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { databaseUrlFor } from './sandbox-names.js';

export interface SandboxServicesOptions {
  /** Any database URL of the server the sandbox creates its databases on. */
  databaseUrl: string;
  redisUrl: string;
  /** Per service. Default 3 s. */
  timeoutMs?: number;
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED') return 'connection refused (nothing is listening there)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) return 'no answer in time';
  return typeof code === 'string' ? `${code}` : 'it did not answer';
}

async function checkPostgres(databaseUrl: string, timeoutMs: number): Promise<string | null> {
  const adminUrl = databaseUrlFor(databaseUrl, 'postgres');
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: timeoutMs });
  // A failed connect can still emit 'error' later; without a listener that would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // 28P01 / 28000: the server is up but refused the login; that needs other credentials, not a start.
    const why = code === '28P01' || code === '28000' ? 'the login was refused' : reason(error);
    return `PostgreSQL at ${maskUrl(adminUrl)}: ${why}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(redisUrl: string, timeoutMs: number): Promise<string | null> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() rejects with a generic "Connection is closed"; the socket's error says why.
  let socketError: unknown;
  redis.on('error', (error) => {
    socketError ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis at ${maskUrl(redisUrl)}: ${reason(socketError ?? error)}`;
  } finally {
    redis.disconnect();
  }
}

/** Starts PostgreSQL and Redis where the defaults point (docker-compose.dev.yml). */
export const DEV_COMPOSE_COMMAND = 'docker compose -f docker-compose.dev.yml up -d';

/**
 * Checks that PostgreSQL and Redis answer before the sandbox creates anything, and fails with
 * E_SERVICES_UNREACHABLE saying how to start them (or where to point the sandbox) when they do not.
 */
export async function checkSandboxServices(options: SandboxServicesOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const problems = (
    await Promise.all([
      checkPostgres(options.databaseUrl, timeoutMs),
      checkRedis(options.redisUrl, timeoutMs),
    ])
  ).filter((p): p is string => p !== null);
  if (problems.length === 0) return;
  throw new AppError(
    'E_SERVICES_UNREACHABLE',
    [
      'The sandbox needs PostgreSQL and Redis, and cannot reach them:',
      ...problems.map((p) => `  - ${p}`),
      'Start them with (published on 127.0.0.1 with the default settings):',
      `  ${DEV_COMPOSE_COMMAND}`,
      'or point the sandbox at running ones:',
      '  DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/postgres REDIS_URL=redis://HOST:6379 npm run sandbox',
    ].join('\n'),
    { details: { problems } },
  );
}
