import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareJob } from '../../jobs/compare.js';
import type { EnvironmentConfig } from '../../src/config/environment-schema.js';
import type { EngineDeps } from '../../src/engine/engine-deps.js';
import type { JobContext } from '../../src/engine/job-definition.js';
import type { EnqueueRequest } from '../../src/queue/job-queue.js';
import { createJobLeases, type JobLeases } from '../../src/store/job-leases.js';
import { buildRun } from '../support/build-run.js';
import { minimalConfigObject, parseConfigObject, withConfigKey } from '../support/config-fixtures.js';
import { KONG_SAMPLE_EXPOSITION } from '../support/fake-kong-metrics.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Compares of one run never overlap: while one is still working (here, a slow metrics scrape), the
 * next interval's job only passes the chain on and leaves its worker slot at once.
 */
const SLOW_MS = 2500;
let metrics: Server;
let metricsUrl: string;
let scrapes = 0;
let db: TestDatabase;
let leases: JobLeases;

function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_t, prop) {
      throw new Error(`compare must not use ${name}.${String(prop)} here`);
    },
  });
}

beforeAll(async () => {
  metrics = createServer((_req, res) => {
    scrapes += 1;
    setTimeout(() => res.end(KONG_SAMPLE_EXPOSITION), SLOW_MS);
  });
  await new Promise<void>((r) => metrics.listen(0, '127.0.0.1', r));
  metricsUrl = `http://127.0.0.1:${(metrics.address() as AddressInfo).port}/metrics`;
  db = await createTestDatabase('kub_compare_overlap');
  leases = createJobLeases({ databaseUrl: db.url });
});
afterAll(async () => {
  await leases?.close();
  metrics?.close();
  await db?.drop();
});

function context(enqueued: EnqueueRequest[]): JobContext {
  let config = withConfigKey(minimalConfigObject(), 'environments.prod.clusterX.metricsUrl', metricsUrl);
  config = withConfigKey(config, 'environments.prod.clusterY.metricsUrl', metricsUrl);
  const botConfig = parseConfigObject(config);
  const run = buildRun({ phase: 'observing', appliedWeight: 5, stepIndex: 0 });
  const log = pino({ level: 'silent' });
  const deps: EngineDeps = {
    store: unused('store'),
    leases,
    queue: {
      ...unused<EngineDeps['queue']>('queue'),
      enqueue: async (r: EnqueueRequest) => {
        enqueued.push(r);
      },
    } as EngineDeps['queue'],
    notifier: unused('notifier'),
    config: botConfig,
    log,
    now: () => new Date(),
  };
  return {
    run,
    env: botConfig.environments.prod as EnvironmentConfig,
    payload: { v: 1, runId: run.id, seq: 1, state: null },
    deps,
    signal: new AbortController().signal,
    shutdown: new AbortController().signal,
    log,
    progress: unused('progress'),
  };
}

describe('compare jobs of one run', () => {
  it('never overlap: the second passes the chain on at once and scrapes nothing', async () => {
    const enqueued: EnqueueRequest[] = [];
    const started = Date.now();
    const first = compareJob.run(context(enqueued)).then((o) => ({ o, ms: Date.now() - started }));
    await new Promise((r) => setTimeout(r, 200));
    const second = await compareJob.run(context(enqueued));
    const secondMs = Date.now() - started;
    expect(second).toEqual({ type: 'done' });
    expect(secondMs).toBeLessThan(SLOW_MS);
    const { o, ms } = await first;
    expect(o).toEqual({ type: 'done' });
    expect(ms).toBeGreaterThanOrEqual(SLOW_MS);
    // X and Y scraped once each, by the first job only.
    expect(scrapes).toBe(2);
    // Both kept the chain going.
    expect(enqueued.map((e) => e.job)).toEqual(['compare', 'compare']);
    // Once the first is done, the next compare runs normally again.
    await compareJob.run(context(enqueued));
    expect(scrapes).toBe(4);
  });
});
