import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { envSchema } from '../../src/config/env-schema.js';
import { REPO_ROOT } from '../support/spawn-bot.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
}

const doc = parseDocument(readFileSync(`${REPO_ROOT}docker-compose.yml`, 'utf8'), { merge: true });
const compose = doc.toJS() as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

describe('docker-compose.yml', () => {
  it('parses without errors and has postgres, redis, bot and worker', () => {
    expect(doc.errors).toEqual([]);
    expect(Object.keys(services).sort()).toEqual(['bot', 'postgres', 'redis', 'worker']);
  });

  it('runs PostgreSQL 16 and Redis 7 with health checks and volumes', () => {
    expect(services.postgres?.image).toBe('postgres:16');
    expect(services.postgres?.healthcheck?.test?.join(' ')).toContain('pg_isready');
    expect(services.postgres?.volumes?.[0]).toMatch(/^postgres-data:/);
    expect(services.redis?.image).toBe('redis:7');
    expect(services.redis?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it.each([
    ['bot', ['npm', 'start']],
    ['worker', ['npm', 'run', 'worker']],
  ])('%s: built from the Dockerfile, runs %j, env from .env, waits for healthy services', (name, command) => {
    const service = services[name];
    expect(service?.build).toBe('.');
    expect(service?.command).toEqual(command);
    expect(service?.env_file).toBe('.env');
    expect(service?.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });

  it('sets only variables of docs/contract.md#environment, pointing at the compose services and the mounted config', () => {
    const env = services.bot?.environment ?? {};
    const known = Object.keys(envSchema.shape);
    for (const key of Object.keys(env)) expect(known).toContain(key);
    expect(env.DATABASE_URL).toMatch(
      /^postgres:\/\/kong_upgrade:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\//,
    );
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(services.bot?.volumes).toContain(`./kong-upgrade.yaml:${env.KONG_UPGRADE_CONFIG}:ro`);
    expect(env.KONG_UPGRADE_CONFIG).toBe('/app/kong-upgrade.yaml');
    expect(services.bot?.ports).toEqual([`${env.PORT}:${env.PORT}`]);
    expect(services.worker?.environment).toEqual(env);
    // Secrets come from .env, never from this file.
    expect(JSON.stringify(compose)).not.toMatch(/xox[bpa]-|SLACK_SIGNING_SECRET:/);
  });

  it('the worker serves no HTTP, so the image health check is off there and no port is published', () => {
    expect(services.worker?.healthcheck?.disable).toBe(true);
    expect(services.worker?.ports).toBeUndefined();
  });
});
