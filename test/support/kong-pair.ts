import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataPlaneInit } from '../../src/sandbox/kong-node/data-planes.js';
import {
  type SeedKongDatabaseOptions,
  type SeedSummary,
  seedKongDatabase,
} from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { type FakeWebhookRouter, startFakeWebhookRouter } from './fake-webhook-router.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const ROUTER_SECRET = 'router-webhook-secret-4242';

export interface KongPair {
  x: SimulatedKongNode;
  y: SimulatedKongNode;
  xDb: TestDatabase;
  yDb: TestDatabase;
  seed: SeedSummary;
  router: FakeWebhookRouter;
  backupDir: string;
  /** An `environments.<name>` config object pointing at these nodes, databases and router. */
  environment(overrides?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export interface KongPairOptions {
  xVersion?: string;
  yVersion?: string;
  seed?: SeedKongDatabaseOptions;
  yAvailablePlugins?: string[];
  /** Seed Y's database with the same rows as X (for tests that start after the restore). */
  seedY?: boolean;
  /** Y as a hybrid control plane with these data planes. */
  yDataPlanes?: DataPlaneInit[];
  /** Both nodes answer as Kong Enterprise: `/workspaces` and `/<workspace>/…` paths. */
  workspaces?: boolean;
  /** Runs on X's database after seeding, before the nodes start (e.g. a second workspace). */
  prepareX?: (databaseUrl: string) => Promise<void>;
}

/**
 * Two simulated Kong clusters for whole-run tests: X on a seeded Kong database, Y on an empty one
 * (filled only by the bot's restore), plus a webhook-driven fake load balancer.
 */
export async function startKongPair(options: KongPairOptions = {}): Promise<KongPair> {
  const xVersion = options.xVersion ?? '2.8.4';
  const yVersion = options.yVersion ?? '3.9.1';
  const xDb = await createTestDatabase('kub_kongx');
  const yDb = await createTestDatabase('kub_kongy');
  const seedOptions: SeedKongDatabaseOptions = {
    version: xVersion,
    services: 4,
    routesPerService: 2,
    consumers: 20,
    keysPerConsumer: 1,
    upstreams: 2,
    targetsPerUpstream: 2,
    regexRoutes: 1,
    rateLimiting: 'cluster',
    seed: 7,
    keys: [{ consumer: 'smoke', key: 'smoke-test-key-0001' }],
    ...options.seed,
  };
  const seed = await seedKongDatabase(xDb.url, seedOptions);
  if (options.seedY) await seedKongDatabase(yDb.url, seedOptions);
  await options.prepareX?.(xDb.url);
  const x = await startSimulatedKongNode({
    databaseUrl: xDb.url,
    version: xVersion,
    ...(options.workspaces ? { workspaces: true } : {}),
  });
  const y = await startSimulatedKongNode({
    databaseUrl: yDb.url,
    version: yVersion,
    ...(options.yAvailablePlugins ? { availablePlugins: options.yAvailablePlugins } : {}),
    ...(options.yDataPlanes ? { role: 'control_plane' as const, dataPlanes: options.yDataPlanes } : {}),
    ...(options.workspaces ? { workspaces: true } : {}),
  });
  const router = await startFakeWebhookRouter(ROUTER_SECRET);
  const backupDir = await mkdtemp(join(tmpdir(), 'kub-backups-'));
  const protectedPath = seed.fixtures.keyAuthProtected[0]?.path ?? '/';
  const key = seed.fixtures.validKey?.key ?? 'smoke-test-key-0001';
  return {
    x,
    y,
    xDb,
    yDb,
    seed,
    router,
    backupDir,
    environment(overrides = {}) {
      return {
        clusterX: {
          adminUrl: x.adminUrl,
          proxyUrl: x.proxyUrl,
          metricsUrl: x.metricsUrl,
          databaseUrl: xDb.url,
        },
        clusterY: {
          adminUrl: y.adminUrl,
          proxyUrl: y.proxyUrl,
          metricsUrl: y.metricsUrl,
          databaseUrl: yDb.url,
          version: yVersion,
        },
        backup: { dir: backupDir, jobs: 2 },
        deploy: { commands: [['node', '-e', 'console.log("migrations up: ok")']], timeoutSeconds: 60 },
        traffic: { router: 'webhook', webhook: { url: router.url, secret: ROUTER_SECRET } },
        plan: { steps: [5, 25, 50, 100], observeSeconds: 0 },
        metrics: { source: 'kong', intervalSeconds: 5 },
        smokeTests: [
          {
            name: 'key-auth rejects anonymous',
            request: { method: 'GET', path: protectedPath },
            expect: { status: 401 },
          },
          {
            name: 'key-auth accepts a valid key',
            request: { method: 'GET', path: protectedPath, headers: { apikey: key } },
            expect: { status: 200 },
          },
        ],
        ...overrides,
      };
    },
    async close() {
      await Promise.allSettled([x.close(), y.close(), router.close()]);
      await Promise.allSettled([xDb.drop(), yDb.drop()]);
      await rm(backupDir, { recursive: true, force: true });
    },
  };
}
