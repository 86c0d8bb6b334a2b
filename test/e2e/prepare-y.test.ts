import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_DEFINITIONS } from '../../jobs/index.js';
import { fingerprintTables, queryRows } from '../support/compare-databases.js';
import { eventually } from '../support/eventually.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0PREPY001';

/**
 * Issue 4: from X to a ready Y with the real bot, real job definitions, two simulated Kong nodes
 * and real databases; pg_dump/pg_restore for real.
 */
describe('preparing Y: preflight → backup → restore → deploy → verify', () => {
  let happy: KongPair;
  let drift: KongPair;
  let smoke: KongPair;
  let lost: KongPair;
  let bot: TestBot;
  let tamperedRoute: string;
  let lostCredential: string;

  beforeAll(async () => {
    [happy, drift, smoke, lost] = await Promise.all([
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
      ['prod', 'drift', 'smoke', 'lost'].map((env) =>
        bot.requester.slashCommand({ text: `start ${env}`, userId: 'U0REQ' }),
      ),
    );
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await Promise.all([happy?.close(), drift?.close(), smoke?.close(), lost?.close()]);
  });

  async function waitForPhase(runId: string, phases: string[]) {
    return eventually(async () => {
      const r = await bot.composition.store.runs.getRun(runId);
      return r && phases.includes(r.phase) && r;
    }, 60_000);
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
    expect(results[4]).toMatch(/Verify passed: \d+ tables equal .*2 of 2 smoke tests pass on Y/);

    const all = texts.join('\n');
    expect(all).toMatch(/Consistency X vs Y:\* ✅ all \d+ tables are equal/);
    expect(all).toMatch(/Entities \(Admin API\):\* ✅/);
    expect(all).toMatch(/routes\s+\|\s+\d+ \|\s+\d+ \| ✅/);
    expect(all).toContain('*Smoke tests:* 2 of 2 pass on Y');
    // Progress messages of backup and restore ended at 100 %.
    // One progress message per job, updated at most once a second, ending at 100 %.
    for (const title of ['Backup', 'Restore', 'Verify']) {
      const progress = messages.filter((m) => m.text.startsWith(`${title}:`));
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
  });

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
    expect(entities).toContain('❌ 1 of 10 entity types differ: keyauth_credentials.');
    expect(entities).toMatch(new RegExp(`keyauth_credentials \\| +${count} \\| +${count - 1} \\| ❌`));
  });
});
