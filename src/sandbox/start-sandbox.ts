import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { compose } from '../app/compose.js';
import { createLogger } from '../app/create-logger.js';
import { startBot } from '../app/start-bot.js';
import { loadConfig } from '../config/load-config.js';
import { collectSecretValues } from '../config/secrets.js';
import { addSecondWorkspace } from './add-second-workspace.js';
import { type LoadPath, startLoadGenerator } from './load-generator.js';
import { hasRejectedRoute, setRejectedRoute } from './rejected-route.js';
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
import { sandboxDeployCommands } from './sandbox-deploy-commands.js';
import { sandboxNames } from './sandbox-names.js';
import { checkSandboxServices } from './sandbox-preflight-services.js';
import type { Sandbox, StartSandboxOptions } from './sandbox-types.js';
import { seedKongDatabase } from './seed-kong-database.js';
import { startSimulatedKongCluster } from './simulated-kong-cluster.js';
import { startSlackWorkspace } from './slack-workspace/start-slack-workspace.js';
import { startWeightedBalancer } from './weighted-balancer.js';

export type { Sandbox, SandboxUrls, StartSandboxOptions } from './sandbox-types.js';

export const SANDBOX_X_VERSION = '3.4.2';
export const SANDBOX_Y_VERSION = '3.9.1';
export const SANDBOX_SMOKE_KEY = 'sandbox-smoke-key-0001';

/** The sandbox's hybrid Y: two data planes, both required. */
const SANDBOX_DATA_PLANES = [
  { hostname: 'kong-y-dp-1', ip: '10.0.1.1' },
  { hostname: 'kong-y-dp-2', ip: '10.0.1.2' },
];
/** The data plane the page's switch puts out of sync. */
const SECOND_DATA_PLANE = 'kong-y-dp-2';

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
      deployCommands: sandboxDeployCommands(options.xVersion ?? SANDBOX_X_VERSION, SANDBOX_Y_VERSION),
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
