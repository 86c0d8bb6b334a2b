import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ENV_DEFAULTS } from '../../src/config/env-schema.js';
import { DEV_COMPOSE_COMMAND } from '../../src/sandbox/sandbox-preflight-services.js';
import { REPO_ROOT } from '../support/spawn-bot.js';
import { DEFAULT_TEST_PG_URL } from '../support/test-database.js';
import { DEFAULT_TEST_REDIS_URL } from '../support/test-redis.js';

interface Service {
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  env_file?: string;
}

/**
 * The development compose file publishes PostgreSQL and Redis exactly where the bot, the sandbox and
 * the tests look by default, and the README's Quick start says how to use it. Any drift between the
 * three (a port, a user, a password) makes a fresh clone fail, so they are checked together.
 */
const text = readFileSync(`${REPO_ROOT}docker-compose.dev.yml`, 'utf8');
const doc = parseDocument(text);
const services = (doc.toJS() as { services: Record<string, Service> }).services;
const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
const quickStart = readme.slice(
  readme.indexOf('## Quick start'),
  readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
);

/** "127.0.0.1:5432:5432" → { host, hostPort, containerPort } */
function published(port: string): { host: string; hostPort: string; containerPort: string } {
  const [host = '', hostPort = '', containerPort = ''] = port.split(':');
  return { host, hostPort, containerPort };
}

describe('docker-compose.dev.yml', () => {
  it('parses and has only PostgreSQL and Redis, with no env file or variable to set first', () => {
    expect(doc.errors).toEqual([]);
    expect(Object.keys(services).sort()).toEqual(['postgres', 'redis']);
    expect(services.postgres?.env_file).toBeUndefined();
    expect(text).not.toMatch(/\$\{/);
  });

  it.each([
    ['the bot and the sandbox (DATABASE_URL default)', ENV_DEFAULTS.DATABASE_URL],
    ['the tests (TEST_PG_URL default)', DEFAULT_TEST_PG_URL],
  ])('publishes PostgreSQL where %s connect, with that user and no password', (_who, url) => {
    const target = new URL(url);
    const postgres = services.postgres;
    expect(postgres?.ports?.map(published)).toEqual([
      { host: target.hostname, hostPort: target.port, containerPort: '5432' },
    ]);
    expect(postgres?.environment?.POSTGRES_USER).toBe(decodeURIComponent(target.username));
    expect(target.password).toBe('');
    expect(postgres?.environment?.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
    expect(postgres?.environment?.POSTGRES_PASSWORD).toBeUndefined();
  });

  it.each([
    ['the bot and the sandbox (REDIS_URL default)', ENV_DEFAULTS.REDIS_URL],
    ['the tests (TEST_REDIS_URL default)', DEFAULT_TEST_REDIS_URL],
  ])('publishes Redis where %s connect', (_who, url) => {
    const target = new URL(url);
    expect(services.redis?.ports?.map(published)).toEqual([
      { host: target.hostname, hostPort: target.port, containerPort: '6379' },
    ]);
  });

  it('binds to loopback only, since PostgreSQL trusts every connection', () => {
    for (const service of Object.values(services)) {
      for (const port of service.ports ?? []) expect(published(port).host).toBe('127.0.0.1');
    }
  });
});

describe("README's Quick start", () => {
  it('starts the services with the development compose file, not the production one', () => {
    expect(quickStart).toContain('docker compose -f docker-compose.dev.yml up -d');
    // …and so does the sandbox when it cannot reach them.
    expect(DEV_COMPOSE_COMMAND).toBe('docker compose -f docker-compose.dev.yml up -d');
    // The production file needs POSTGRES_PASSWORD and .env and publishes no database port.
    expect(quickStart).not.toMatch(/docker compose up -d postgres redis/);
  });

  it('names the defaults the compose file publishes', () => {
    const pg = new URL(ENV_DEFAULTS.DATABASE_URL);
    expect(quickStart).toContain(`postgres://${pg.username}@${pg.host}`);
    expect(quickStart).toContain(ENV_DEFAULTS.REDIS_URL);
  });
});
