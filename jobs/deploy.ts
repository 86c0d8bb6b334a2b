import { readProcessEnv } from '../src/config/read-process-env.js';
import { collectSecretValues } from '../src/config/secrets.js';
import { callDeployWebhook } from '../src/deploy/call-deploy-webhook.js';
import { deployChildEnv } from '../src/deploy/deploy-child-env.js';
import { formatRehearsalReport } from '../src/deploy/format-rehearsal-report.js';
import { formatStepOutput } from '../src/deploy/format-step-output.js';
import { rehearseMigrations } from '../src/deploy/rehearse-migrations.js';
import { runDeployCommands } from '../src/deploy/run-deploy-commands.js';
import { type ClusterState, describeClusterState, waitForCluster } from '../src/deploy/wait-for-cluster.js';
import type { JobContext, JobDefinition, JobOutcome } from '../src/engine/job-definition.js';
import { createKongAdmin } from '../src/kong/create-kong-admin.js';
import { scrubSecrets } from '../src/scrub-secrets.js';

export interface DeployJobOptions {
  /** Pause between polls of Y. Default 2 s. */
  pollIntervalMs?: number;
  /** Least time given to Y to become healthy, even when the commands used up the deploy timeout. Default 60 s. */
  minWaitMs?: number;
  /** Per Admin API request while polling. Default 5 s. */
  adminTimeoutMs?: number;
  /** The worker's environment the commands' allowlist is taken from (see deployChildEnv). Default: the process's. */
  baseEnv?: () => Record<string, string | undefined>;
}

/**
 * docs/architecture.md#jobs "deploy": run the configured commands (or call the webhook), then wait until Y reports
 * its database reachable and the target version. A retry runs everything again on purpose: `kong
 * migrations up` and `finish` do nothing when already done, and the contract asks the same of any
 * configured command or webhook.
 */
export function createDeployJob(options: DeployJobOptions = {}): JobDefinition {
  return { name: 'deploy', phase: 'deploy', run: (ctx) => runDeploy(ctx, options) };
}

export const deployJob: JobDefinition = createDeployJob();

async function runDeploy(ctx: JobContext, options: DeployJobOptions): Promise<JobOutcome> {
  const { run, env, deps, signal, log } = ctx;
  const { deploy, clusterY } = env;
  const timeoutMs = deploy.timeoutSeconds * 1000;
  const baseEnv = (options.baseEnv ?? readProcessEnv)();
  // The values of the variables deploy.env names are secrets too, as the worker has them now.
  const named = deploy.env.map((name) => (Object.hasOwn(baseEnv, name) ? baseEnv[name] : undefined));
  const secrets = [
    ...collectSecretValues(deps.config, {}),
    ...named.filter((v): v is string => v !== undefined && v.length >= 4),
  ];
  const post = async (text: string) => {
    await deps.notifier
      .post({ channel: run.channel, threadTs: run.threadTs, text })
      .catch((err: unknown) =>
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not post deploy output'),
      );
  };

  // docs/contract.md#upgrade-paths-for-todays-kong: a failing or timed-out rehearsal throws here, before anything touches Y's database.
  const rehearsal = deploy.rehearsal ? await rehearse(ctx, options, secrets, post) : undefined;
  // deploy.timeoutSeconds is the real deploy's budget; the rehearsal has its own.
  const started = Date.now();

  const commands = deploy.commands ?? [];
  const total = (deploy.commands ? commands.length : 1) + 1;
  let mode: string;
  const steps: { command: string; exitCode: number | null; durationMs: number }[] = [];
  if (deploy.commands) {
    mode = `${commands.length} command${commands.length === 1 ? '' : 's'}`;
    const childEnv = deployChildEnv(baseEnv, clusterY.databaseUrl, deploy.env);
    await runDeployCommands({
      commands,
      timeoutMs,
      env: childEnv,
      signal,
      secrets,
      log,
      onStepStart: (i, argv) =>
        ctx.progress.report({
          done: i,
          total,
          label: `step ${i + 1} of ${commands.length}: ${scrubSecrets(argv.join(' '), secrets)}`,
        }),
      onStepEnd: async (i, step) => {
        const command = scrubSecrets(step.argv.join(' '), secrets);
        steps.push({ command, exitCode: step.exitCode, durationMs: step.durationMs });
        await post(formatStepOutput({ ...step, command }, i, commands.length));
      },
    });
  } else {
    mode = 'webhook';
    await ctx.progress.report({ done: 0, total, label: 'calling the deploy webhook' });
    const answer = await callDeployWebhook({
      url: deploy.webhook.url,
      secret: deploy.webhook.secret,
      legacySignature: deploy.webhook.legacySignature,
      body: {
        run: run.id,
        environment: run.environment,
        targetVersion: clusterY.version,
        clusterY: { adminUrl: clusterY.adminUrl, proxyUrl: clusterY.proxyUrl },
      },
      timeoutMs,
      signal,
      log,
    });
    await post(
      `✅ Deploy webhook answered HTTP ${answer.status} in ${(answer.durationMs / 1000).toFixed(1)} s${answer.excerpt ? `: ${answer.excerpt.replace(/`/g, "'")}` : ''}`,
    );
  }

  const remaining = timeoutMs - (Date.now() - started);
  const admin = createKongAdmin({
    adminUrl: clusterY.adminUrl,
    ...(clusterY.adminToken ? { adminToken: clusterY.adminToken } : {}),
    timeoutMs: options.adminTimeoutMs ?? 5000,
    // The poll loop is the retry: one attempt per poll keeps its timing honest.
    retries: 0,
    log,
  });
  let lastText = '';
  const waited = await waitForCluster({
    admin,
    expectedVersion: clusterY.version,
    timeoutMs: Math.max(remaining, options.minWaitMs ?? 60_000),
    intervalMs: options.pollIntervalMs ?? 2000,
    signal,
    log,
    onState: async (state: ClusterState) => {
      const text = describeClusterState(state, clusterY.version);
      if (text === lastText) return;
      lastText = text;
      await ctx.progress.report({ done: total - 1, total, label: `waiting for Y: ${text}` });
    },
  });
  await ctx.progress.report({ done: total, total, label: `Y is healthy at ${waited.version}` });
  const seconds = Math.round((Date.now() - started) / 1000);
  return {
    type: 'succeeded',
    summary: `Y is deployed: ${waited.version}, healthy (${mode}, ${seconds} s)${rehearsal ? `; the migration rehearsal took ${(rehearsal.durationMs / 1000).toFixed(1)} s` : ''}`,
    details: {
      mode,
      steps,
      version: waited.version,
      polls: waited.polls,
      durationMs: Date.now() - started,
      ...(rehearsal
        ? {
            rehearsal: {
              durationMs: rehearsal.durationMs,
              method: rehearsal.method,
              ran: rehearsal.ran.length,
            },
          }
        : {}),
    },
  };
}

/** The migration rehearsal on a scratch copy of Y's database; posts each command's output and the report. */
async function rehearse(
  ctx: JobContext,
  options: DeployJobOptions,
  secrets: readonly string[],
  post: (text: string) => Promise<void>,
) {
  const { run, env, deps, signal, log } = ctx;
  const rehearsal = env.deploy.rehearsal;
  if (!rehearsal) return undefined;
  const backup = await deps.store.backups.getLatestBackup(run.id);
  const report = await rehearseMigrations({
    rehearsal,
    databaseUrl: env.clusterY.databaseUrl,
    runId: run.id,
    ...(backup?.status === 'succeeded' ? { backupDir: backup.path } : {}),
    jobs: env.backup.jobs,
    baseEnv: (options.baseEnv ?? readProcessEnv)(),
    // deploy.env (names of variables the commands may see), once the config has it.
    envNames: (env.deploy as { env?: readonly string[] }).env ?? [],
    secrets,
    signal,
    log,
    onPhase: (label) => ctx.progress.report({ done: 0, total: 1, label: `rehearsal: ${label}` }),
    onStepEnd: async (i, step) => {
      const command = scrubSecrets(step.argv.join(' '), secrets);
      await post(formatStepOutput({ ...step, command }, i, rehearsal.commands.length, 'Rehearsal'));
    },
  });
  await post(formatRehearsalReport(report));
  return report;
}
