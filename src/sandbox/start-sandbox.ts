import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DestinationStream, Logger } from 'pino';
import { type Composition, compose } from '../app/compose.js';
import { createLogger } from '../app/create-logger.js';
import { startBot } from '../app/start-bot.js';
import type { BotConfig } from '../config/config-schema.js';
import { loadConfig } from '../config/load-config.js';
import { collectSecretValues } from '../config/secrets.js';
import type { JobDefinition } from '../engine/job-definition.js';
import { kongVersionAtLeast } from './kong-node/kong-version.js';
import { type LoadGenerator, type LoadPath, startLoadGenerator } from './load-generator.js';
import { hasRejectedRoute, setRejectedRoute, withClient } from './rejected-route.js';
import { type ResetSandboxYDeps, resetSandboxY } from './reset-sandbox-y.js';
import { listRouteNames } from './route-names.js';
import {
  SANDBOX_CHANNEL,
  SANDBOX_ENVIRONMENT,
  SANDBOX_SECRET_VARS,
  type SandboxConfigInput,
  writeSandboxConfig,
} from './sandbox-config.js';
import { dropSandboxDatabases, recreateSandboxDatabases } from './sandbox-databases.js';
import { sandboxNames } from './sandbox-names.js';
import { checkSandboxServices } from './sandbox-preflight-services.js';
import { type SeedKongDatabaseOptions, seedKongDatabase } from './seed-kong-database.js';
import { type SimulatedKongCluster, startSimulatedKongCluster } from './simulated-kong-cluster.js';
import type { SimulatedKongNode } from './simulated-kong-node.js';
import { startSlackWorkspace } from './slack-workspace/start-slack-workspace.js';
import type { SlackWorkspace } from './slack-workspace/workspace-types.js';
import { startWeightedBalancer, type WeightedBalancer } from './weighted-balancer.js';

export const SANDBOX_X_VERSION = '3.4.2';
export const SANDBOX_Y_VERSION = '3.9.1';
export const SANDBOX_SMOKE_KEY = 'sandbox-smoke-key-0001';

export interface StartSandboxOptions {
  /** Any URL of the PostgreSQL server the sandbox creates its databases on (only host and login are used). */
  databaseUrl: string;
  redisUrl: string;
  /** The page's port (the simulated Slack workspace). Default 3000; 0 picks a free one. */
  port?: number;
  /** Gives this sandbox databases, queue prefix and work directory of its own (tests). */
  name?: string;
  /** Parent of the work directory (config file, backups). Default the OS temp directory. */
  baseDir?: string;
  /** Default 20 s at each step before the next gate. */
  observeSeconds?: number;
  /** Default 5 s between metric comparisons. */
  intervalSeconds?: number;
  /** Default 5: low, so the demo rate gives verdicts at 5 % (see the comment in the written file). */
  minRequests?: number;
  /** Requests per second of the load generator. Default 30. */
  loadRate?: number;
  /** X's Kong version (default SANDBOX_X_VERSION); a 2.8.x X exports Kong 2.8's Prometheus catalogue. */
  xVersion?: string;
  /** Overrides of X's seeded configuration (tests make it smaller). */
  seed?: SeedKongDatabaseOptions;
  /** The job processors (default: all of jobs/, as in production). */
  definitions?: readonly JobDefinition[];
  logLevel?: string;
  logDestination?: DestinationStream;
  /**
   * Drop the databases, empty the queue and delete the work directory on stop. A start that fails
   * removes them whatever this says.
   */
  removeOnStop?: boolean;
  /** Y as a hybrid control plane with two data planes (`sandbox.y.setDataPlane` puts one out of sync). */
  hybridY?: boolean;
  /** Nodes per cluster (default 1), behind a round-robin balancer each; Y's faults hit its first node. */
  nodes?: number;
  /** Kong Enterprise workspaces: X (and so Y) gets a second workspace, `team-b`, with a service. */
  workspaces?: boolean;
  /** Both approvers for every step, and a reason for every reject and rollback (tried on the page). */
  governance?: boolean;
}

/** The sandbox's hybrid Y: two data planes, both required. */
const SANDBOX_DATA_PLANES = [
  { hostname: 'kong-y-dp-1', ip: '10.0.1.1' },
  { hostname: 'kong-y-dp-2', ip: '10.0.1.2' },
];
/** The data plane the page's switch puts out of sync. */
const SECOND_DATA_PLANE = 'kong-y-dp-2';

export interface SandboxUrls {
  page: string;
  slackApi: string;
  bot: string;
  xAdmin: string;
  xProxy: string;
  yAdmin: string;
  yProxy: string;
  balancer: string;
  balancerControl: string;
}

export interface Sandbox {
  urls: SandboxUrls;
  configPath: string;
  config: BotConfig;
  workspace: SlackWorkspace;
  /** X's and Y's first node (the one the page's faults reach). */
  x: SimulatedKongNode;
  y: SimulatedKongNode;
  xCluster: SimulatedKongCluster;
  yCluster: SimulatedKongCluster;
  balancer: WeightedBalancer;
  load: LoadGenerator;
  composition: Composition;
  log: Logger;
  /** Stops every server, worker and connection the sandbox started. Safe to call twice. */
  stop(): Promise<void>;
}

/** The sandbox's second workspace (Kong Enterprise), with one service of its own. */
export const SANDBOX_SECOND_WORKSPACE = 'team-b';

async function addSecondWorkspace(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    await client.query(
      `INSERT INTO workspaces (id, name, config, meta) VALUES (gen_random_uuid(), $1, '{}', '{}')
         ON CONFLICT (name) DO NOTHING`,
      [SANDBOX_SECOND_WORKSPACE],
    );
    await client.query(
      `INSERT INTO services (id, name, protocol, host, port, retries, connect_timeout, write_timeout, read_timeout, ws_id)
       SELECT gen_random_uuid(), 'team-b-billing', 'http', 'billing.internal', 80, 5, 60000, 60000, 60000, id
         FROM workspaces WHERE name = $1`,
      [SANDBOX_SECOND_WORKSPACE],
    );
  });
}

/** `node --import tsx <cli> up|finish --version v`: the deploy step, as an argv the deploy job runs. */
function migrationCommands(version: string): string[][] {
  const compiled = import.meta.url.endsWith('.js');
  const cli = fileURLToPath(new URL(`./kong-migrations-cli.${compiled ? 'js' : 'ts'}`, import.meta.url));
  const loader = compiled
    ? []
    : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  return ['up', 'finish'].map((step) => [process.execPath, ...loader, cli, step, '--version', version]);
}

/**
 * The deploy: Kong's migrations and, after a restore from 2.8 (whose prometheus plugin row sets none of
 * 3.x's metric switches), the step preflight asks for, which turns them on for Y.
 */
function deployCommands(xVersion: string, yVersion: string): string[][] {
  const migrations = migrationCommands(yVersion);
  if (kongVersionAtLeast(xVersion, '3.0.0')) return migrations;
  const [first] = migrations;
  const prefix = first ? first.slice(0, first.length - 3) : [];
  return [...migrations, [...prefix, 'enable-prometheus-metrics']];
}

/**
 * The whole upgrade on one machine (docs/architecture.md#sandbox): simulated Kong X (seeded) and Y (empty) on real
 * databases, a weighted balancer driven by the webhook router, steady load, the simulated Slack
 * workspace with its page, and the real bot and workers talking to all of them over HTTP.
 */
export async function startSandbox(options: StartSandboxOptions): Promise<Sandbox> {
  const names = sandboxNames(options.name, options.baseDir);
  await checkSandboxServices({ databaseUrl: options.databaseUrl, redisUrl: options.redisUrl });
  // Each closer is told whether to remove what it created too (databases, queue keys, work directory).
  const closers: Array<(remove: boolean) => Promise<unknown>> = [];
  const closeAll = async (remove: boolean) => {
    for (const close of closers.splice(0).reverse()) await close(remove).catch(() => undefined);
  };
  const dbNames = [names.xDatabase, names.yDatabase, names.botDatabase];
  try {
    closers.push(async (remove) => remove && dropSandboxDatabases(options.databaseUrl, dbNames));
    const [xDbUrl = '', yDbUrl = '', botDbUrl = ''] = await recreateSandboxDatabases(
      options.databaseUrl,
      dbNames,
    );
    const seed = await seedKongDatabase(xDbUrl, {
      version: options.xVersion ?? SANDBOX_X_VERSION,
      services: 12,
      routesPerService: 3,
      consumers: 400,
      keysPerConsumer: 1,
      upstreams: 4,
      targetsPerUpstream: 3,
      regexRoutes: 2,
      rateLimiting: 'cluster',
      seed: 42,
      ...options.seed,
      keys: [{ consumer: 'smoke', key: SANDBOX_SMOKE_KEY }],
    });
    // Clusters of several nodes behind a round-robin balancer when asked (`nodes`); the page's Y
    // faults then hit Y's first node only, as one failing node of a real cluster would.
    const nodes = options.nodes ?? 1;
    // Kong Enterprise workspaces: a second one with its own service, counted and watched per workspace.
    if (options.workspaces) await addSecondWorkspace(xDbUrl);
    const enterprise = options.workspaces ? { workspaces: true } : {};
    const xCluster = await startSimulatedKongCluster({
      databaseUrl: xDbUrl,
      version: options.xVersion ?? SANDBOX_X_VERSION,
      nodes,
      ...enterprise,
    });
    closers.push(() => xCluster.close());
    const yCluster = await startSimulatedKongCluster({
      databaseUrl: yDbUrl,
      version: SANDBOX_Y_VERSION,
      // A hybrid Y is one control plane; its data planes serve the traffic.
      nodes: options.hybridY ? 1 : nodes,
      ...enterprise,
      ...(options.hybridY ? { role: 'control_plane' as const, dataPlanes: SANDBOX_DATA_PLANES } : {}),
    });
    closers.push(() => yCluster.close());
    const [x, y] = [xCluster.nodes[0], yCluster.nodes[0]];
    if (!x || !y) throw new Error('a simulated Kong cluster started without nodes');
    const routerSecret = randomBytes(24).toString('hex');
    const balancer = await startWeightedBalancer({
      xUrl: xCluster.proxyUrl,
      yUrl: yCluster.proxyUrl,
      secret: routerSecret,
    });
    closers.push(() => balancer.close());

    // Known once the bot's store exists; the page's reset is refused until then.
    let resetDeps: ResetSandboxYDeps | undefined;
    // Hybrid Y: what the page's data-plane switch last set.
    let dataPlaneOutOfSync = false;
    const signingSecret = randomBytes(24).toString('hex');
    const botToken = `xoxb-sandbox-${randomBytes(16).toString('hex')}`;
    let botUrl = '';
    const workspace = await startSlackWorkspace({
      botTokens: [botToken],
      port: options.port ?? 3000,
      page: {
        botUrl: () => botUrl,
        signingSecret,
        channel: SANDBOX_CHANNEL,
        controls: {
          setYFaults: async (faults) => y.setFaults(faults),
          setRejectedRoute: (on) => setRejectedRoute(xDbUrl, on),
          ...(options.hybridY
            ? {
                setDataPlaneOutOfSync: async (on: boolean) => {
                  y.setDataPlane(SECOND_DATA_PLANE, {
                    syncStatus: on ? 'plugin_set_incompatible' : 'normal',
                  });
                  dataPlaneOutOfSync = on;
                },
              }
            : {}),
          resetY: async ({ whenUsed }) => {
            if (resetDeps === undefined) return { ok: false, message: 'The sandbox is still starting.' };
            return resetSandboxY(resetDeps, { whenUsed, clearFaults: !whenUsed });
          },
          status: async () => ({
            split: balancer.weights(),
            rates: balancer.stats().ratePerSecond,
            faults: y.getFaults(),
            rejectedRoute: await hasRejectedRoute(xDbUrl).catch(() => false),
            routes: await listRouteNames(xDbUrl).catch(() => []),
            ...(options.hybridY ? { dataPlaneOutOfSync } : {}),
          }),
        },
      },
    });
    closers.push(() => workspace.close());

    closers.push(async (remove) => remove && rm(names.workDir, { recursive: true, force: true }));
    const backupDir = join(names.workDir, 'backups');
    await rm(backupDir, { recursive: true, force: true });
    await mkdir(backupDir, { recursive: true });
    const protectedPath = seed.fixtures.keyAuthProtected[0]?.path ?? '/';
    const loadRate = options.loadRate ?? 30;
    const input: SandboxConfigInput = {
      x: {
        adminUrl: xCluster.adminUrl,
        proxyUrl: xCluster.proxyUrl,
        metricsUrls: xCluster.metricsUrls,
        databaseUrl: xDbUrl,
      },
      y: {
        adminUrl: yCluster.adminUrl,
        proxyUrl: yCluster.proxyUrl,
        metricsUrls: yCluster.metricsUrls,
        databaseUrl: yDbUrl,
        version: SANDBOX_Y_VERSION,
        ...(options.hybridY ? { minDataPlanes: SANDBOX_DATA_PLANES.length } : {}),
      },
      routerUrl: balancer.controlUrl,
      backupDir,
      deployCommands: deployCommands(options.xVersion ?? SANDBOX_X_VERSION, SANDBOX_Y_VERSION),
      smoke: { path: protectedPath, key: SANDBOX_SMOKE_KEY },
      observeSeconds: options.observeSeconds ?? 20,
      intervalSeconds: options.intervalSeconds ?? 5,
      minRequests: options.minRequests ?? 5,
      loadRate,
      ...(options.governance
        ? { governance: { minApprovals: 2, reasonRequired: ['reject', 'rollback'] } }
        : {}),
    };
    const configPath = await writeSandboxConfig(join(names.workDir, 'kong-upgrade.sandbox.yaml'), input);
    const config = await loadConfig({
      path: configPath,
      env: {
        [SANDBOX_SECRET_VARS.routerSecret]: routerSecret,
        [SANDBOX_SECRET_VARS.xDatabaseUrl]: xDbUrl,
        [SANDBOX_SECRET_VARS.yDatabaseUrl]: yDbUrl,
      },
    });
    const log = createLogger({
      level: options.logLevel ?? 'warn',
      secrets: [
        signingSecret,
        ...collectSecretValues(config, {
          SLACK_BOT_TOKEN: botToken,
          DATABASE_URL: botDbUrl,
          REDIS_URL: options.redisUrl,
        }),
      ],
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });

    const composition = await compose({
      config,
      log,
      databaseUrl: botDbUrl,
      redisUrl: options.redisUrl,
      slackToken: botToken,
      slackApiUrl: workspace.apiUrl,
      queuePrefix: names.queuePrefix,
      ...(options.definitions ? { definitions: options.definitions } : {}),
    });
    // Jobs of an earlier sandbox (same prefix, deterministic ids) would block this run's jobs.
    await composition.queue.queue.obliterate({ force: true });
    closers.push(async (remove) => {
      if (remove) await composition.queue.queue.obliterate({ force: true }).catch(() => undefined);
      await composition.close();
    });
    resetDeps = {
      findActiveRun: () => composition.store.runs.findActiveRun(SANDBOX_ENVIRONMENT),
      serverUrl: options.databaseUrl,
      yDatabase: names.yDatabase,
      setWeights: (w) => balancer.setWeights(w),
      weights: () => balancer.weights(),
      setYFaults: (f) => y.setFaults(f),
    };
    const bot = await startBot({
      composition,
      slackToken: botToken,
      slackApiUrl: workspace.apiUrl,
      signingSecret,
      port: 0,
    });
    closers.push(() => bot.stop());
    botUrl = `http://127.0.0.1:${bot.port}/slack/events`;
    const workers = composition.startWorkers();
    closers.push(() => workers.close());
    // Closing a BullMQ worker whose connections are still opening lets an unhandled 'error' escape
    // (a crash on an early Ctrl-C), so the sandbox counts as started only once they are open.
    await workers.worker.waitUntilReady();

    const paths: LoadPath[] = [
      ...(seed.fixtures.open ? [{ path: seed.fixtures.open.path }] : []),
      { path: protectedPath, headers: { apikey: SANDBOX_SMOKE_KEY } },
    ];
    const load = startLoadGenerator({ url: balancer.url, ratePerSecond: loadRate, paths, log });
    closers.push(() => load.stop());

    const page = new URL('/sandbox', workspace.url.replace('127.0.0.1', 'localhost')).toString();
    return {
      urls: {
        page,
        slackApi: workspace.apiUrl,
        bot: botUrl,
        xAdmin: xCluster.adminUrl,
        xProxy: xCluster.proxyUrl,
        yAdmin: yCluster.adminUrl,
        yProxy: yCluster.proxyUrl,
        balancer: balancer.url,
        balancerControl: balancer.controlUrl,
      },
      configPath,
      config,
      workspace,
      x,
      y,
      xCluster,
      yCluster,
      balancer,
      load,
      composition,
      log,
      stop: () => closeAll(options.removeOnStop === true),
    };
  } catch (error) {
    await closeAll(true);
    throw error;
  }
}
