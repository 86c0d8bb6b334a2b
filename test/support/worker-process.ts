/**
 * A bot worker in its own process, for tests that kill it (-9) mid-job: the real composition
 * (PostgreSQL, BullMQ, Slack notifier, jobs/index.ts) with the worker only, as `npm run worker`
 * runs it. Its spec comes as JSON in WORKER_SPEC; it prints `worker ready` once consuming.
 *
 * Run with: node --import tsx test/support/worker-process.ts
 */
import { stringify } from 'yaml';
import { compose } from '../../src/app/compose.js';
import { createLogger } from '../../src/app/create-logger.js';
import { parseConfigText } from '../../src/config/load-config.js';

export interface WorkerSpec {
  config: Record<string, unknown>;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  slackToken: string;
  slackApiUrl: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.WORKER_SPEC ?? '{}') as WorkerSpec;
  const config = parseConfigText(stringify(spec.config), {}, 'worker-spec.yaml');
  // Logs go to stderr so that stdout carries only the readiness line.
  const log = createLogger({ level: 'info', secrets: [spec.slackToken], destination: process.stderr });
  const composition = await compose({
    config,
    log,
    databaseUrl: spec.databaseUrl,
    redisUrl: spec.redisUrl,
    slackToken: spec.slackToken,
    slackApiUrl: spec.slackApiUrl,
    queuePrefix: spec.queuePrefix,
    workerTimings: { lockDurationMs: spec.lockDurationMs, stalledIntervalMs: spec.stalledIntervalMs },
  });
  const workers = composition.startWorkers(2);
  await workers.worker.waitUntilReady();
  process.stdout.write('worker ready\n');
  process.once('SIGTERM', () => {
    void workers
      .close()
      .then(() => composition.close())
      .finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
