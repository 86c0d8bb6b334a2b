import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_DEFINITIONS } from '../../jobs/index.js';
import { KONG_ENTITY_TYPES } from '../../src/kong/kong-entity-types.js';
import { fingerprintTables, queryRows } from '../support/compare-databases.js';
import { eventually } from '../support/eventually.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0PREPY001';

/** The sandbox's `kong migrations up|finish` as deploy commands: real schema changes on Y's database. */
function migrationCommands(version: string): string[][] {
  const cli = fileURLToPath(new URL('../../src/sandbox/kong-migrations-cli.ts', import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['up', 'finish'].map((step) => [process.execPath, '--import', tsx, cli, step, '--version', version]);
}

/**
 * Issue 4: from X to a ready Y with the real bot, real job definitions, two simulated Kong nodes
 * and real databases; pg_dump/pg_restore for real.
 */
describe('preparing Y: preflight → backup → restore → deploy → verify', () => {
  let happy: KongPair;
  let drift: KongPair;
  let smoke: KongPair;
  let lost: KongPair;
  let migrated: KongPair;
  let migratedLost: KongPair;
  let bot: TestBot;
  let tamperedRoute: string;
  let lostCredential: string;
  let migratedLostCredential: string;

  beforeAll(async () => {
    [happy, drift, smoke, lost, migrated, migratedLost] = await Promise.all([
      startKongPair(),
      startKongPair(),
      startKongPair(),
      startKongPair(),
      startKongPair(),
      startKongPair(),
    ]);
    const [route] = await queryRows<{ id: string }>(
      drift.xDb.url,
      'SELECT id::text FROM routes ORDER BY id LIMIT 1',
    );
    tamperedRoute = route?.id ?? '';
    // Not the smoke test's key, so only the consistency check and the entity counts can notice.
    const [credential] = await queryRows<{ id: string }>(
      lost.xDb.url,
      "SELECT id::text FROM keyauth_credentials WHERE key <> 'smoke-test-key-0001' ORDER BY id LIMIT 1",
    );
    lostCredential = credential?.id ?? '';
    const [other] = await queryRows<{ id: string }>(
      migratedLost.xDb.url,
      "SELECT id::text FROM keyauth_credentials WHERE key <> 'smoke-test-key-0001' ORDER BY id LIMIT 1",
    );
    migratedLostCredential = other?.id ?? '';
    const protectedPath = smoke.seed.fixtures.keyAuthProtected[0]?.path ?? '/';
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: ['U0AAA'] },
        environments: {
          prod: happy.environment(),
          // The deploy step runs between restore and verify: here it changes one route in Y's database.
          drift: drift.environment({
            deploy: {
              commands: [
                [
                  'psql',
                  drift.yDb.url,
                  '-v',
                  'ON_ERROR_STOP=1',
                  '-c',
                  `UPDATE routes SET name = 'tampered' WHERE id = '${tamperedRoute}'`,
                ],
              ],
              timeoutSeconds: 60,
            },
          }),
          lost: lost.environment({
            deploy: {
              commands: [
                [
                  'psql',
                  lost.yDb.url,
                  '-v',
                  'ON_ERROR_STOP=1',
                  '-c',
                  `DELETE FROM keyauth_credentials WHERE id = '${lostCredential}'`,
                ],
              ],
              timeoutSeconds: 60,
            },
          }),
          // The deploy runs the real (simulated) `kong migrations up/finish` 2.8 → 3.9.1 on Y's database.
          migrated: migrated.environment({
            deploy: { commands: migrationCommands('3.9.1'), timeoutSeconds: 60 },
          }),
          // The same migrations, and one credential lost on the way: still a failure.
          mlost: migratedLost.environment({
            deploy: {
              commands: [
                ...migrationCommands('3.9.1'),
                [
                  'psql',
                  migratedLost.yDb.url,
                  '-v',
                  'ON_ERROR_STOP=1',
                  '-c',
                  `DELETE FROM keyauth_credentials WHERE id = '${migratedLostCredential}'`,
                ],
              ],
              timeoutSeconds: 60,
            },
          }),
          smoke: smoke.environment({
            smokeTests: [
              {
                name: 'key-auth rejects anonymous',
                request: { method: 'GET', path: protectedPath },
                expect: { status: 401 },
              },
              {
                name: 'teapot expected',
                request: { method: 'GET', path: protectedPath },
                expect: { status: 418 },
              },
            ],
          }),
        },
      },
      workers: true,
      definitions: JOB_DEFINITIONS,
    });
    await Promise.all(
      ['prod', 'drift', 'smoke', 'lost', 'migrated', 'mlost'].map((env) =>
        bot.requester.slashCommand({ text: `start ${env}`, userId: 'U0REQ' }),
      ),
    );
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await Promise.all([happy, drift, smoke, lost, migrated, migratedLost].map((pair) => pair?.close()));
  });

  async function waitForPhase(runId: string, phases: string[]) {
    try {
      return await eventually(async () => {
        const r = await bot.composition.store.runs.getRun(runId);
        return r && phases.includes(r.phase) && r;
      }, 55_000);
    } catch (err) {
      // Where the run stood, so that a timeout explains itself.
      const r = await bot.composition.store.runs.getRun(runId);
      const events = (await bot.composition.store.events.listEvents(runId)).slice(-6);
      throw new Error(
        `${(err as Error).message}; ${runId} is ${r?.phase}: ${events.map((e) => `${e.kind} ${JSON.stringify(e.details).slice(0, 300)}`).join(' | ')}`,
      );
    }
  }

  async function thread(runId: string) {
    const run = await bot.composition.store.runs.getRun(runId);
    return bot.slack.thread(CHANNEL, run?.threadTs ?? '');
  }

  /** The phase is stored before the effects run: wait for the thread's last line of the run. */
  async function threadUntil(runId: string, prefix: string) {
    return eventually(async () => {
      const messages = await thread(runId);
      return messages.some((m) => m.text.startsWith(prefix)) && messages;
    }, 10_000);
  }

  it('ends in awaiting_gate with Y’s database equal to X’s table by table, one result line per phase', async () => {
    const run = await waitForPhase('prod-1', ['awaiting_gate', 'failed']);
    expect(run.failureReason).toBeNull();
    expect(run.phase).toBe('awaiting_gate');

    const [x, y] = await Promise.all([fingerprintTables(happy.xDb.url), fingerprintTables(happy.yDb.url)]);
    expect(Object.keys(x).length).toBeGreaterThan(10);
    expect(Object.keys(y).sort()).toEqual(Object.keys(x).sort());
    for (const [table, fx] of Object.entries(x)) {
      expect({ table, ...y[table] }).toEqual({ table, ...fx });
    }
    expect(x.routes?.rows).toBe(happy.seed.counts.routes);
    expect(x.consumers?.rows).toBe(happy.seed.counts.consumers);

    const messages = await threadUntil('prod-1', ':white_check_mark: Verify passed');
    const texts = messages.map((m) => m.text);
    const results = texts.filter((t) => t.startsWith(':white_check_mark:'));
    const prefixes = ['Preflight passed', 'Backup done', 'Restore done', 'Y is deployed', 'Verify passed'];
    expect(results.map((t) => prefixes.find((p) => t.includes(p)))).toEqual(prefixes);
    const backupLine = results[1] ?? '';
    expect(backupLine).toMatch(/Backup done: \d+ tables, [\d.]+ (B|KB|MB), [\d,]+ rows, \d+ s → /);
    expect(backupLine).toContain(`${happy.backupDir}/prod-1`);
    expect(results[2]).toMatch(/Restore done: \d+ tables, [\d,]+ rows into postgres:\/\//);
    // Acceptance 1 checked where it must hold: right after pg_restore, before the deploy.
    expect(results[2]).toMatch(/Y's database equals X's: \d+ tables, [\d,]+ rows/);
    expect(results[4]).toMatch(/Verify passed: \d+ tables equal .*2 of 2 smoke tests pass on Y/);

    const all = texts.join('\n');
    expect(all).toMatch(/Consistency X vs Y:\* ✅ all \d+ tables are equal/);
    expect(all).toMatch(/Entities \(Admin API\):\* ✅/);
    expect(all).toMatch(/routes\s+\|\s+\d+ \|\s+\d+ \| ✅/);
    expect(all).toContain('*Smoke tests:* 2 of 2 pass on Y');
    // Progress messages of backup and restore ended at 100 %.
    // One progress message per job, updated at most once a second, ending at 100 %.
    // Progress bars are shown without holding the job up: the last update may follow the result line.
    const settled = await eventually(async () => {
      const now = await thread('prod-1');
      const done = ['Backup', 'Restore', 'Verify'].every((title) => {
        const m = now.find((x) => x.text.startsWith(`${title}:`));
        return (m?.updates.at(-1)?.text ?? m?.text ?? '').includes('100 %');
      });
      return done && now;
    }, 10_000);
    for (const title of ['Backup', 'Restore', 'Verify']) {
      const progress = settled.filter((m) => m.text.startsWith(`${title}:`));
      expect(progress).toHaveLength(1);
      const updates = progress[0]?.updates ?? [];
      expect(updates.at(-1)?.text ?? progress[0]?.text).toContain('100 %');
      for (let i = 1; i < updates.length; i++) {
        const gap = (updates[i]?.at.getTime() ?? 0) - (updates[i - 1]?.at.getTime() ?? 0);
        expect(gap).toBeGreaterThanOrEqual(950);
      }
    }

    const backup = await bot.composition.store.backups.getLatestBackup('prod-1');
    expect(backup?.status).toBe('succeeded');
    expect(backup?.path).toBe(`${happy.backupDir}/prod-1`);
    expect(backup?.rowCounts['public.routes']).toBe(happy.seed.counts.routes);
    expect(Object.keys(backup?.manifest ?? {})).toContain('toc.dat');
    expect(await readdir(happy.backupDir)).toEqual(['prod-1']);

    const gates = await bot.composition.store.gates.listGates('prod-1');
    expect(gates.map((g) => [g.kind, g.status, g.targetWeight])).toEqual([['shift', 'pending', 5]]);
  }, 60_000);

  it('a row changed in Y after the restore fails verify, naming the table and the key', async () => {
    const run = await waitForPhase('drift-1', ['awaiting_gate', 'failed']);
    expect(run.phase).toBe('failed');
    expect(run.failedPhase).toBe('verify');
    expect(run.failureReason).toContain('E_VERIFY_FAILED');
    expect(run.failureReason).toContain('public.routes');
    expect(run.failureReason).toContain(tamperedRoute);

    const texts = (await threadUntil('drift-1', ':x:')).map((m) => m.text);
    const failure = texts.find((t) => t.startsWith(':x:')) ?? '';
    expect(failure).toContain('public.routes');
    expect(failure).toContain(`key ${tamperedRoute} changed`);
    expect(failure).toMatch(/start a new run/);
    const report = texts.find((t) => t.includes('*Consistency X vs Y:*')) ?? '';
    expect(report).toMatch(/❌ 1 of \d+ tables differ/);
    expect(report).toContain(`\`${tamperedRoute}\` changed`);
    // Nothing else differs: the change is the one the deploy command made.
    expect(report.match(/^• /gm)).toHaveLength(1);
    expect(await bot.composition.store.gates.listGates('drift-1')).toEqual([]);
  });

  it('a smoke test Y does not meet fails the run, and the table shows it', async () => {
    const run = await waitForPhase('smoke-1', ['awaiting_gate', 'failed']);
    expect(run.phase).toBe('failed');
    expect(run.failedPhase).toBe('verify');
    const texts = (await threadUntil('smoke-1', ':x:')).map((m) => m.text);
    const table = texts.find((t) => t.startsWith('*Smoke tests:*')) ?? '';
    expect(table).toContain('1 of 2 pass on Y');
    expect(table).toMatch(/teapot expected\s+\| 418\s+\| 401 \| 401 \| ❌/);
    expect(table).toMatch(/key-auth rejects anonymous\s+\| 401\s+\| 401 \| 401 \| ✅/);
    const failure = texts.find((t) => t.startsWith(':x:')) ?? '';
    expect(failure).toContain('smoke test "teapot expected" failed on Y (expected 418, got 401)');
    // The databases themselves were equal.
    expect(texts.join('\n')).toMatch(/Consistency X vs Y:\* ✅/);
  });

  it('a row missing in Y shows in the consistency report and in both Admin APIs’ entity counts', async () => {
    const run = await waitForPhase('lost-1', ['awaiting_gate', 'failed']);
    expect(run.phase).toBe('failed');
    expect(run.failedPhase).toBe('verify');
    const texts = (await threadUntil('lost-1', ':x:')).map((m) => m.text);
    const failure = texts.find((t) => t.startsWith(':x:')) ?? '';
    expect(failure).toContain(`public.keyauth_credentials (key ${lostCredential} missing in Y)`);
    const count = lost.seed.counts.keyauth_credentials;
    expect(failure).toContain(`different numbers of keyauth_credentials (X ${count}, Y ${count - 1})`);
    const entities = texts.find((t) => t.startsWith('*Entities (Admin API):*')) ?? '';
    expect(entities).toContain(
      `❌ 1 of ${KONG_ENTITY_TYPES.length} entity types differ: keyauth_credentials.`,
    );
    expect(entities).toMatch(new RegExp(`keyauth_credentials +\\| +${count} \\| +${count - 1} \\| ❌`));
  });

  it('a deploy that runs Kong’s migrations passes verify: identity and counts hold, what they changed is information', async () => {
    const run = await waitForPhase('migrated-1', ['awaiting_gate', 'failed']);
    expect(run.failureReason).toBeNull();
    expect(run.phase).toBe('awaiting_gate');
    // The migrations really ran on Y: 3.9's table exists there, 2.8's ttls is gone, plugin configs moved.
    const [yMeta] = await queryRows<{ last: string }>(
      migrated.yDb.url,
      "SELECT last_executed AS last FROM schema_meta WHERE subsystem = 'core'",
    );
    expect(yMeta?.last).toBe('024_380_to_390');
    const [{ n: rateLimiting } = { n: 0 }] = await queryRows<{ n: number }>(
      migrated.xDb.url,
      "SELECT count(*)::int AS n FROM plugins WHERE name = 'rate-limiting'",
    );
    expect(rateLimiting).toBeGreaterThan(0);
    // 2.8 guessed regexes; 3.x marks them with `~` (kong.md 5.4): routes with such paths are rewritten.
    const [{ n: regexRoutes } = { n: 0 }] = await queryRows<{ n: number }>(
      migrated.xDb.url,
      `SELECT count(*)::int AS n FROM routes
       WHERE EXISTS (SELECT 1 FROM unnest(paths) p WHERE NOT (p ~ '^[a-zA-Z0-9.\\-_~/%]*$' OR p LIKE '~%'))`,
    );
    expect(regexRoutes).toBeGreaterThan(0);

    const messages = await threadUntil('migrated-1', ':white_check_mark: Verify passed');
    const texts = messages.map((m) => m.text);
    expect(texts.find((t) => t.includes('Restore done'))).toMatch(/Y's database equals X's: \d+ tables/);
    const report = texts.find((t) => t.includes('*Consistency X vs Y:*')) ?? '';
    expect(report).toMatch(
      /✅ all \d+ tables hold the same rows \([\d,]+ rows in X; Y's schema was migrated/,
    );
    expect(report).not.toContain('❌');
    expect(report).toContain(
      `ℹ️ Differ after Y's migrations ran: ${rateLimiting} row${rateLimiting === 1 ? '' : 's'} in \`public.plugins\``,
    );
    expect(report).toContain(
      `ℹ️ Differ after Y's migrations ran: ${regexRoutes} row${regexRoutes === 1 ? '' : 's'} in \`public.routes\``,
    );
    // 3.x tables are new in Y; 3.9's sync counter is bookkeeping, left out like schema_meta.
    expect(report).toMatch(/ℹ️ New in Y's schema: .*`public\.key_sets` \(0 rows\).*`public\.sm_vaults`/);
    // 2.8's ttls (expiry bookkeeping, dropped by 3.4's migrations) is a runtime table: not compared.
    expect(report).toMatch(
      /_Not compared, Kong's own bookkeeping .*public\.clustering_sync_version.*public\.schema_meta.*public\.ttls/,
    );
    // Each rewritten column is named with the migration that rewrites it.
    expect(texts.join('\n')).toMatch(
      /`public\.routes`\.`paths` differs after Y's migrations: Kong 3\.0's migration/,
    );
    expect(texts.join('\n')).toMatch(/Entities \(Admin API\):\* ✅/);
    const passed = texts.find((t) => t.startsWith(':white_check_mark: Verify passed')) ?? '';
    expect(passed).toContain(
      `rows; Y's schema was migrated, ${rateLimiting + regexRoutes} rows differ in columns its migrations rewrite)`,
    );
    expect(passed).toMatch(/Verify passed: \d+ tables hold the same rows \([\d,]+ rows; /);
  }, 60_000);

  it('after migrations a row lost in Y still fails verify, naming the table and the key', async () => {
    const run = await waitForPhase('mlost-1', ['awaiting_gate', 'failed']);
    expect(run.phase).toBe('failed');
    expect(run.failedPhase).toBe('verify');
    const texts = (await threadUntil('mlost-1', ':x:')).map((m) => m.text);
    const failure = texts.find((t) => t.startsWith(':x:')) ?? '';
    expect(failure).toContain(`public.keyauth_credentials (key ${migratedLostCredential} missing in Y)`);
    const report = texts.find((t) => t.includes('*Consistency X vs Y:*')) ?? '';
    expect(report).toMatch(/❌ 1 of \d+ tables differ/);
    // Only the lost row fails; the migrated plugin rows are information.
    expect(report.match(/^• /gm)).toHaveLength(1);
    expect(report).toContain("ℹ️ Differ after Y's migrations ran:");
  }, 60_000);
});
