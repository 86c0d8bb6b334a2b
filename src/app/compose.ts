import type { Logger } from 'pino';
import { JOB_DEFINITIONS } from '../../jobs/index.js';
import type { BotConfig } from '../config/config-schema.js';
import type { AdapterOptions } from '../engine/adapters-for.js';
import type { EngineDeps } from '../engine/engine-deps.js';
import type { JobDefinition } from '../engine/job-definition.js';
import { startReconciler } from '../engine/reconcile.js';
import { createRunEngine } from '../engine/run-engine.js';
import { runJob } from '../engine/run-job.js';
import { createJobQueue } from '../queue/create-job-queue.js';
import { createWorker } from '../queue/create-worker.js';
import { createApproverDirectory } from '../slack/approver-directory.js';
import { createChannelAccess } from '../slack/channel-access.js';
import { createSlackNotifier } from '../slack/create-slack-notifier.js';
import type { SlackCallSchedulerOptions } from '../slack/slack-call-scheduler.js';
import { createStore } from '../store/create-store.js';
import { createDb } from '../store/db.js';
import { createJobLeases } from '../store/job-leases.js';
import { migrate } from '../store/migrate.js';
import { createRunChangeFeed } from '../store/run-change-feed.js';
import { type BotMetrics, createBotMetrics } from './bot-metrics.js';
import { startRetentionSchedule } from './clean-up-retention.js';

export interface ComposeOptions {
  config: BotConfig;
  log: Logger;
  databaseUrl: string;
  redisUrl: string;
  slackToken: string;
  slackApiUrl: string;
  queuePrefix?: string;
  now?: () => Date;
  /**
   * Tests only: one clock for the engine and every record and rule (instead of PostgreSQL's), so a
   * test can move time, e.g. into or out of a change window.
   */
  clock?: () => Date;
  definitions?: readonly JobDefinition[];
  /** Slack pacing, budgets and retries (default: Slack's own limits; tests speed them up). */
  slackScheduling?: SlackCallSchedulerOptions;
  /** Notifier update coalescing interval (tests may shorten it). */
  updateIntervalMs?: number;
  /** Worker lock and stalled-check timings (tests shorten them to retry a killed worker's job sooner). */
  workerTimings?: { lockDurationMs?: number; stalledIntervalMs?: number; busyRetryMs?: number };
  /** How often the reconciler rebuilds jobs from PostgreSQL (default 30 s; tests shorten it). */
  reconcileIntervalMs?: number;
  /** Attempts per job for retryable failures (default 5, backoff from 2 s); fault tests lower it to stay fast. */
  jobAttempts?: number;
  /** Kong client timings for the jobs (default: the clients' own); fault tests shorten them. */
  adapters?: AdapterOptions;
}

/** Builds the parts shared by the bot and the workers, wired once. */
export async function compose(options: ComposeOptions) {
  const { log } = options;
  await migrate({ databaseUrl: options.databaseUrl, log });
  const db = createDb({ databaseUrl: options.databaseUrl, log });
  // Opened only by a process that answers status (the first cached read starts it).
  const runChanges = createRunChangeFeed({ databaseUrl: options.databaseUrl, log });
  // Router locks wait on their own few connections, never on the pool that the lock holder needs.
  const routerLockDb = createDb({ databaseUrl: options.databaseUrl, log, max: 5 });
  const store = createStore(db, {
    runChanges,
    routerLockDb,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const queue = createJobQueue({
    redisUrl: options.redisUrl,
    log,
    ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
    ...(options.jobAttempts ? { attempts: options.jobAttempts } : {}),
  });
  const metrics: BotMetrics = createBotMetrics(async () => {
    const rows = await db.query('SELECT phase, count(*)::int AS n FROM runs GROUP BY phase');
    return Object.fromEntries(rows.map((r) => [String(r.phase), Number(r.n)]));
  });
  const notifier = createSlackNotifier({
    token: options.slackToken,
    apiUrl: options.slackApiUrl,
    log,
    onError: (method, code) => metrics.slackErrors.inc({ method, error: code }),
    ...(options.updateIntervalMs ? { updateIntervalMs: options.updateIntervalMs } : {}),
    ...(options.slackScheduling ? { scheduling: options.slackScheduling } : {}),
  });
  const deps: EngineDeps = {
    store,
    leases: createJobLeases({ databaseUrl: options.databaseUrl, log }),
    queue,
    notifier,
    config: options.config,
    log,
    now: options.now ?? options.clock ?? (() => new Date()),
    ...(options.adapters ? { adapters: options.adapters } : {}),
  };
  const engine = createRunEngine(deps);
  const approvers = createApproverDirectory({
    approvers: options.config.approvals.approvers,
    approverGroups: options.config.approvals.approverGroups,
    otherGroups: [...options.config.approvals.requiredGroups, ...options.config.approvals.operatorGroups],
    onRefreshFailed: (group, err) =>
      log.warn(
        { group, err: (err as Error).message },
        'approver group could not be read; membership unknown',
      ),
    groupMembers: async (usergroup) => {
      const res = await notifier.scheduler.run({ method: 'usergroups.users.list', priority: 'normal' }, () =>
        notifier.client.usergroups.users.list({ usergroup }),
      );
      return (res.users as string[] | undefined) ?? [];
    },
  });

  function startWorkers(concurrency?: number) {
    const worker = createWorker({
      redisUrl: options.redisUrl,
      ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
      ...(concurrency ? { concurrency } : {}),
      ...options.workerTimings,
      log,
      definitions: options.definitions ?? JOB_DEFINITIONS,
      run: (def, attempt, shutdown) => runJob(def, attempt, deps, engine, shutdown),
      onResult: (job, status) => metrics.jobs.inc({ job, outcome: status }),
    });
    const reconciler = startReconciler(deps, engine, options.reconcileIntervalMs);
    // Daily: removes old backups, samples and posted thread lines as `retention` says.
    const retention = startRetentionSchedule({ db, retention: options.config.retention, log });
    return {
      ...worker,
      reconciler,
      async close() {
        retention.stop();
        reconciler.stop();
        await worker.close();
      },
    };
  }

  return {
    db,
    store,
    queue,
    notifier,
    deps,
    engine,
    metrics,
    isApprover: approvers.isApprover,
    approverMembership: approvers.membership,
    channelAccess: createChannelAccess({
      info: async (channel) => {
        const res = await notifier.conversationInfo(channel);
        return res;
      },
    }),
    approvers,
    runChanges,
    groupsOf: approvers.groupsOf,
    startWorkers,
    async close() {
      await queue.close();
      await deps.leases.close();
      await runChanges.close();
      await routerLockDb.close();
      await db.close();
    },
  };
}

export type Composition = Awaited<ReturnType<typeof compose>>;
