import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployJob } from '../../jobs/deploy.js';
import { JOB_DEFINITIONS } from '../../jobs/index.js';
import { rehearsalDatabaseName } from '../../src/deploy/rehearsal-database-name.js';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import { fingerprintTables, type TableFingerprint } from '../support/compare-databases.js';
import { eventually } from '../support/eventually.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { databaseExists, migrationsUp } from '../support/rehearsal-helpers.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0REHRSL01';
/**
 * docs/contract.md#upgrade-paths-for-todays-kong end to end: `deploy.rehearsal` runs the migrations on a scratch copy of Y's restored
 * database before the real deploy; a failing or timed-out rehearsal stops the run with Y untouched.
 */
describe('migration rehearsal in a whole run', () => {
  const pairs: Record<string, KongPair> = {};
  /** Y's tables when each run's deploy job started. */
  const yAtDeploy: Record<string, Record<string, TableFingerprint>> = {};
  let bot: TestBot;

  beforeAll(async () => {
    const [ok, fails, slow] = await Promise.all([startKongPair(), startKongPair(), startKongPair()]);
    Object.assign(pairs, { ok, fails, slow });
    const rehearsal = (commands: string[][], timeoutSeconds = 60) => ({ commands, timeoutSeconds });
    const deploy = (commands: string[][], timeoutSeconds?: number) => ({
      commands: [migrationsUp()],
      timeoutSeconds: 60,
      rehearsal: rehearsal(commands, timeoutSeconds),
    });
    const real = createDeployJob({ pollIntervalMs: 200 });
    const deployJob: JobDefinition = {
      ...real,
      async run(ctx) {
        yAtDeploy[ctx.run.environment] = await fingerprintTables(ctx.env.clusterY.databaseUrl);
        return real.run(ctx);
      },
    };
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: ['U0AAA'] },
        environments: {
          ok: ok.environment({
            deploy: deploy([
              [process.execPath, '-e', 'console.log("rehearsing on", process.env.KONG_PG_DATABASE)'],
              migrationsUp('--delay-ms', '300'),
            ]),
          }),
          fails: fails.environment({
            deploy: deploy([migrationsUp('--fail', 'relation "workspaces_3100" does not exist')]),
          }),
          slow: slow.environment({ deploy: deploy([migrationsUp('--delay-ms', '30000')], 2) }),
        },
      },
      workers: true,
      definitions: [deployJob, ...JOB_DEFINITIONS.filter((d) => d.name !== 'deploy')],
    });
    for (const env of ['ok', 'fails', 'slow'])
      await bot.requester.slashCommand({ text: `start ${env}`, userId: 'U0REQ' });
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await Promise.all(Object.values(pairs).map((p) => p.close()));
  });

  async function settled(runId: string) {
    const run = await eventually(async () => {
      const r = await bot.composition.store.runs.getRun(runId);
      return r && ['awaiting_gate', 'failed'].includes(r.phase) && r;
    }, 90_000);
    // Job messages go out through the outbox after the decision: wait for the run's last line.
    const thread = await eventually(() => {
      const texts = bot.slack.thread(CHANNEL, run.threadTs ?? '').map((m) => m.text);
      const all = texts.join('\n');
      const done =
        run.phase === 'failed' ? texts.some((t) => t.startsWith(':x:')) : /Verify passed/.test(all);
      return done && all;
    }, 30_000);
    return { run, thread };
  }

  it('runs on a scratch copy, posts its duration, drops the copy, then deploys Y for real', async () => {
    const { run, thread } = await settled('ok-1');
    expect(run.failureReason).toBeNull();
    expect(run.phase).toBe('awaiting_gate');
    const scratch = rehearsalDatabaseName('ok-1');
    expect(thread).toContain(`rehearsing on ${scratch}`);
    expect(thread).not.toContain(`rehearsing on ${pairs.ok?.yDb.name}`);
    expect(thread).toMatch(/Migration rehearsal passed in \d+\.\d s\* on a scratch copy/);
    expect(thread).toMatch(/The rehearsal ran \d+: [^\n]*core:016_280_to_300/);
    expect(thread).toContain('kong migrations list');
    expect(thread).toMatch(/the migration rehearsal took \d+\.\d s/);
    expect(await databaseExists(scratch)).toBe(false);
  }, 120_000);

  it('a failing rehearsal stops the run quoting the tool, with Y untouched and the copy dropped', async () => {
    const { run, thread } = await settled('fails-1');
    expect(run.phase).toBe('failed');
    expect(run.failedPhase).toBe('deploy');
    expect(run.failureReason).toMatch(/^E_REHEARSAL_FAILED: /);
    expect(thread).toContain('relation "workspaces_3100" does not exist');
    expect(thread).toContain("Y's database was not touched");
    expect(thread).not.toMatch(/Deploy 1\/1/);
    const yDb = pairs.fails?.yDb.url ?? '';
    expect(yAtDeploy.fails).toBeDefined();
    expect(await fingerprintTables(yDb)).toEqual(yAtDeploy.fails);
    expect(await databaseExists(rehearsalDatabaseName('fails-1'))).toBe(false);
  }, 120_000);

  it('a timed-out rehearsal stops the run, warns never to re-run blindly, with Y untouched and the copy dropped', async () => {
    const { run, thread } = await settled('slow-1');
    expect(run.failureReason).toMatch(/^E_REHEARSAL_TIMEOUT: /);
    expect(thread).toContain('migrating a large table');
    expect(thread).toMatch(/without first checking `kong migrations list`/);
    expect(await fingerprintTables(pairs.slow?.yDb.url ?? '')).toEqual(yAtDeploy.slow);
    expect(await databaseExists(rehearsalDatabaseName('slow-1'))).toBe(false);
  }, 120_000);
});
