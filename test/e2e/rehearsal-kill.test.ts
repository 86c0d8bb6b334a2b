import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rehearsalDatabaseName } from '../../src/deploy/rehearsal-database-name.js';
import { reconcile } from '../../src/engine/reconcile.js';
import { queryRows } from '../support/compare-databases.js';
import { eventually } from '../support/eventually.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { databaseExists, migrationsUp } from '../support/rehearsal-helpers.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { TEST_PG_ADMIN_URL } from '../support/test-database.js';
import { workerChildren, workerSpecFor } from '../support/worker-children.js';
import type { WorkerSpec } from '../support/worker-process.js';

const CHANNEL = 'C0REHKIL01';

/**
 * A worker killed (-9) in the middle of a migration rehearsal leaves its scratch copy behind; the
 * reconciler recognises it by name and drops it once no live rehearsal holds it, never before.
 */
describe('killing the worker mid-rehearsal', () => {
  let pair: KongPair;
  let bot: TestBot;
  let spec: WorkerSpec;
  const workers = workerChildren(() => spec);

  beforeAll(async () => {
    pair = await startKongPair();
    const config = {
      slack: { channel: CHANNEL },
      approvals: { approvers: ['U0AAA'] },
      environments: {
        kk: pair.environment({
          deploy: {
            commands: [migrationsUp()],
            timeoutSeconds: 120,
            rehearsal: { commands: [migrationsUp('--delay-ms', '60000')], timeoutSeconds: 120 },
          },
        }),
      },
    };
    bot = await startTestBot({ config, workers: false });
    spec = workerSpecFor(bot, config, { lockDurationMs: 5000, stalledIntervalMs: 1000 });
  }, 120_000);

  afterAll(async () => {
    await workers.killAll();
    await bot?.close();
    await pair?.close();
  });

  it('the copy outlives the worker, survives reconciles while live, and is dropped as an orphan', async () => {
    const worker = await workers.start();
    await bot.requester.slashCommand({ text: 'start kk', userId: 'U0REQ' });
    const scratch = rehearsalDatabaseName('kk-1');
    // The rehearsal command is busy on the copy.
    await eventually(async () => {
      const rows = await queryRows<{ n: number }>(
        TEST_PG_ADMIN_URL,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep%'",
        [scratch],
      );
      return (rows[0]?.n ?? 0) > 0;
    }, 90_000);
    const { deps, engine } = bot.composition;
    await reconcile(deps, engine);
    expect(await databaseExists(scratch)).toBe(true);

    await workers.kill(worker);
    expect(await databaseExists(scratch)).toBe(true);
    expect((await bot.composition.store.runs.getRun('kk-1'))?.phase).toBe('deploy');
    await bot.requester.slashCommand({ text: 'abort kk-1', userId: 'U0REQ' });
    await eventually(async () => (await bot.composition.store.runs.getRun('kk-1'))?.phase === 'aborted');
    // The killed worker's session (and with it the copy's lock) is gone once PostgreSQL notices.
    await eventually(async () => {
      await reconcile(deps, engine);
      return !(await databaseExists(scratch));
    }, 30_000);
    // Y's database never saw the migration: its schema is still X's 2.8.
    const meta = await queryRows<{ executed: string[] }>(
      pair.yDb.url,
      "SELECT executed FROM schema_meta WHERE key = 'schema_meta' AND subsystem = 'core'",
    );
    expect(meta[0]?.executed).not.toContain('016_280_to_300');
  }, 180_000);
});
