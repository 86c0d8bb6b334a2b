import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { checkSandboxServices } from '../../src/sandbox/sandbox-preflight-services.js';
import { TEST_PG_ADMIN_URL } from '../support/test-database.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

async function failure(options: Parameters<typeof checkSandboxServices>[0]) {
  try {
    await checkSandboxServices(options);
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected checkSandboxServices to fail');
}

describe('checkSandboxServices', () => {
  it('passes when PostgreSQL and Redis answer', async () => {
    await expect(
      checkSandboxServices({ databaseUrl: TEST_PG_ADMIN_URL, redisUrl: TEST_REDIS_URL }),
    ).resolves.toBeUndefined();
  });

  it('names both services, masks the password and says how to start them', async () => {
    const [pgPort, redisPort] = [await closedPort(), await closedPort()];
    const error = await failure({
      databaseUrl: `postgres://kong:pw-secret-55@127.0.0.1:${pgPort}/kong_upgrade`,
      redisUrl: `redis://:redis-pw-66@127.0.0.1:${redisPort}`,
    });
    expect(error.code).toBe('E_SERVICES_UNREACHABLE');
    expect(error.message).toContain(
      `PostgreSQL at postgres://kong:****@127.0.0.1:${pgPort}/postgres: connection refused`,
    );
    expect(error.message).toContain(`Redis at redis://:****@127.0.0.1:${redisPort}: connection refused`);
    expect(error.message).toContain('docker compose -f docker-compose.dev.yml up -d');
    expect(error.message).toMatch(/DATABASE_URL=.*REDIS_URL=/);
    expect(error.message).not.toMatch(/pw-secret-55|redis-pw-66/);
    expect(error.details.problems).toHaveLength(2);
  });

  it('reports a refused PostgreSQL login as such (the server is up, the credentials are wrong)', async () => {
    const url = new URL(TEST_PG_ADMIN_URL);
    url.username = 'no_such_role_kub';
    const error = await failure({ databaseUrl: url.toString(), redisUrl: TEST_REDIS_URL });
    expect(error.message).toMatch(/PostgreSQL at .*no_such_role_kub.*: the login was refused/);
    expect(error.message).not.toMatch(/Redis at/);
  });

  it('gives up on a server that accepts but never answers, within the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const started = Date.now();
    try {
      const error = await failure({
        databaseUrl: `postgres://postgres@127.0.0.1:${port}/x`,
        redisUrl: TEST_REDIS_URL,
        timeoutMs: 500,
      });
      expect(error.message).toMatch(/PostgreSQL at .*: no answer in time/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.close();
    }
  });
});
