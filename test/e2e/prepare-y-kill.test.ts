import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintTables, queryRows } from '../support/compare-databases.js';
import { eventually } from '../support/eventually.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { workerChildren, workerSpecFor } from '../support/worker-children.js';
import type { WorkerSpec } from '../support/worker-process.js';

const CHANNEL = 'C0PREPYK01';
// Enough rows that pg_dump and pg_restore run for a while. They go into rate-limiting counters,
// which the Admin API does not list, so preflight and verify stay light on the workers' CPU (a
// blocked event loop would miss the short lock renewals this test uses).
const COUNTERS = 300_000;

/**
 * Issue 4, acceptance 5 (docs/architecture.md#security-and-reliability: kill -9 loses nothing): the worker runs in a child process and
 * is killed with SIGKILL in the middle of pg_dump, then of pg_restore; a new worker retries the
 * job from a clean state and the run reaches awaiting_gate with Y equal to X.
 */
describe('killing the worker mid-backup and mid-restore', () => {
  let backupPair: KongPair;
  let restorePair: KongPair;
  let bot: TestBot;
  let spec: WorkerSpec;
  const workers = workerChildren(() => spec);

  beforeAll(async () => {
    [backupPair, restorePair] = await Promise.all([startKongPair(), startKongPair()]);
    await Promise.all([addCounters(backupPair.xDb.url), addCounters(restorePair.xDb.url)]);
    const config = {
      slack: { channel: CHANNEL },
      approvals: { approvers: ['U0AAA'] },
      environments: { kb: backupPair.environment(), kr: restorePair.environment() },
    };
    // This process only serves Slack; the jobs run in the worker children.
    bot = await startTestBot({ config, workers: false });
    // A killed worker's job is taken over about 5-7 s later instead of 30-45 s.
    spec = workerSpecFor(bot, config, { lockDurationMs: 5000, stalledIntervalMs: 1000 });
  }, 120_000);

  afterAll(async () => {
    await workers.killAll();
    await bot?.close();
    await Promise.all([backupPair?.close(), restorePair?.close()]);
  });

  const { start: startWorker, kill, stop } = workers;

  async function readyRun(runId: string) {
    const run = await eventually(async () => {
      const r = await bot.composition.store.runs.getRun(runId);
      return r && ['awaiting_gate', 'failed'].includes(r.phase) && r;
    }, 90_000);
    expect(run.failureReason).toBeNull();
    expect(run.phase).toBe('awaiting_gate');
    return run;
  }

  async function expectYEqualsX(pair: KongPair): Promise<void> {
    const [x, y] = await Promise.all([fingerprintTables(pair.xDb.url), fingerprintTables(pair.yDb.url)]);
    expect(x.ratelimiting_metrics?.rows).toBeGreaterThan(COUNTERS);
    expect(Object.keys(y).sort()).toEqual(Object.keys(x).sort());
    for (const [table, fx] of Object.entries(x)) expect({ table, ...y[table] }).toEqual({ table, ...fx });
  }

  async function backupRows(runId: string): Promise<{ status: string; path: string }[]> {
    return queryRows(bot.database.url, 'SELECT status, path FROM backups WHERE run_id = $1', [runId]);
  }

  async function threadTexts(runId: string): Promise<string[]> {
    const run = await bot.composition.store.runs.getRun(runId);
    return bot.slack.thread(CHANNEL, run?.threadTs ?? '').map((m) => m.text);
  }

  it('SIGKILL during pg_dump: a new worker dumps again from a clean directory', async () => {
    const first = await startWorker();
    await bot.requester.slashCommand({ text: 'start kb', userId: 'U0REQ' });
    const dir = join(backupPair.backupDir, 'kb-1');
    // pg_dump is writing table data into the partial directory: kill the worker now.
    await eventually(
      async () => (await readdir(`${dir}.partial`).catch(() => [])).some((n) => n.endsWith('.dat')),
      60_000,
      5,
    );
    await kill(first);
    expect(await exists(dir)).toBe(false);
    expect((await bot.composition.store.runs.getRun('kb-1'))?.phase).toBe('backup');
    expect(await backupRows('kb-1')).toEqual([{ status: 'running', path: dir }]);

    const second = await startWorker();
    await readyRun('kb-1');
    await expectYEqualsX(backupPair);
    expect(await backupRows('kb-1')).toEqual([{ status: 'succeeded', path: dir }]);
    expect(await readdir(backupPair.backupDir)).toEqual(['kb-1']);
    const texts = await threadTexts('kb-1');
    // Dumped anew (not the reuse path), once; the run never failed.
    expect(texts.filter((t) => /^:white_check_mark: Backup done: \d+ tables/.test(t))).toHaveLength(1);
    expect(texts.filter((t) => t.startsWith(':x:'))).toEqual([]);
    expect(await toolSessions(backupPair.xDb.url, 'kong-upgrade-bot backup')).toBe(0);
    await stop(second);
  }, 120_000);

  it('SIGKILL during pg_restore: a new worker cleans what was restored and restores again', async () => {
    const first = await startWorker();
    await bot.requester.slashCommand({ text: 'start kr', userId: 'U0REQ' });
    const y = new pg.Client({ connectionString: restorePair.yDb.url });
    y.on('error', () => undefined);
    await y.connect();
    try {
      // pg_restore has claimed Y's database and created Kong's tables: kill the worker now.
      await eventually(
        async () => {
          const res = await y.query<{ marker: string | null; consumers: string | null }>(
            "SELECT to_regclass('kong_upgrade_bot.restore_marker')::text AS marker, to_regclass('public.consumers')::text AS consumers",
          );
          return res.rows[0]?.marker && res.rows[0]?.consumers;
        },
        60_000,
        5,
      );
      await kill(first);
      const marker = await y.query<{ finished_at: Date | null }>(
        'SELECT finished_at FROM kong_upgrade_bot.restore_marker',
      );
      expect(marker.rows).toEqual([{ finished_at: null }]);
    } finally {
      await y.end();
    }
    expect((await bot.composition.store.runs.getRun('kr-1'))?.phase).toBe('restore');

    const second = await startWorker();
    await readyRun('kr-1');
    await expectYEqualsX(restorePair);
    const dir = join(restorePair.backupDir, 'kr-1');
    expect(await backupRows('kr-1')).toEqual([{ status: 'succeeded', path: dir }]);
    expect(await readdir(restorePair.backupDir)).toEqual(['kr-1']);
    const texts = await threadTexts('kr-1');
    const restored = texts.filter((t) => t.startsWith(':white_check_mark: Restore done'));
    expect(restored).toHaveLength(1);
    expect(restored[0]).toContain('what an interrupted earlier attempt had restored was removed first');
    expect(texts.filter((t) => t.startsWith(':x:'))).toEqual([]);
    expect(await toolSessions(restorePair.yDb.url, 'kong-upgrade-bot restore')).toBe(0);
    await stop(second);
  }, 120_000);
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function addCounters(databaseUrl: string): Promise<void> {
  await queryRows(
    databaseUrl,
    `INSERT INTO ratelimiting_metrics (identifier, period, period_date, value, ttl)
     SELECT 'client-' || g, 'minute', timestamptz '2026-01-01' + g * interval '1 minute', g % 100,
            timestamptz '2026-01-02'
     FROM generate_series(1, $1::int) AS g`,
    [COUNTERS],
  );
}

async function toolSessions(databaseUrl: string, applicationName: string): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    databaseUrl,
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
    [applicationName],
  );
  return rows[0]?.n ?? -1;
}
