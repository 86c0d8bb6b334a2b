import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../src/domain/run.js';
import type { NewRunEvent } from '../../src/domain/run-event.js';
import { createDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createRunStore, type RunStore } from '../../src/store/run-store.js';
import { createThreadOutbox, type ThreadOutbox } from '../../src/store/thread-outbox.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let testDb: TestDatabase;
let db: Db;
let runs: RunStore;
let outbox: ThreadOutbox;
let now = new Date('2026-11-26T10:00:00.000Z');
const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

beforeAll(async () => {
  testDb = await createTestDatabase('kub_outbox');
  await migrate({ databaseUrl: testDb.url });
  db = createDb({ databaseUrl: testDb.url });
  runs = createRunStore(db, { clock: () => now });
  outbox = createThreadOutbox(db, { clock: () => now, claimMs: 60_000, maxAttempts: 3 });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

let n = 0;
let run: Run;
beforeEach(async () => {
  advance(3_600_000); // every test's lines are newer than the last test's
  const created = await runs.createRun(
    { environment: `env${++n}`, requestedBy: 'U1', channel: 'C1', planSteps: [5, 100], dryRun: false },
    { actor: 'U1', kind: 'command.start', phase: null, details: {} },
  );
  if (!created.ok) throw new Error('expected a run');
  run = created.run;
});

const ev: NewRunEvent = { actor: 'U1', kind: 'run.paused', phase: 'preflight', details: {} };

describe('thread outbox', () => {
  it('keeps the lines of a committed decision, in order, and none of a refused one', async () => {
    await runs.updateRun(run.id, run.version, { paused: true }, [ev], ['first', 'second']);
    await expect(
      runs.updateRun(run.id, run.version, { paused: false }, [ev], ['stale']),
    ).rejects.toMatchObject({
      code: 'E_STORE_CONFLICT',
    });
    const first = await outbox.claimNext(run.id);
    const second = await outbox.claimNext(run.id);
    expect([first?.text, second?.text]).toEqual(['first', 'second']);
    expect(await outbox.claimNext(run.id)).toBeNull();
  });

  it('with a time, hands out only the lines written before it: a decision’s backlog, not its own lines', async () => {
    const older = await runs.updateRun(run.id, run.version, {}, [], ['left behind']);
    advance(1_000);
    const decided = await runs.updateRun(run.id, older.version, {}, [], ['its own']);
    expect((await outbox.claimNext(run.id, decided.updatedAt))?.text).toBe('left behind');
    expect(await outbox.claimNext(run.id, decided.updatedAt)).toBeNull();
    expect((await outbox.claimNext(run.id))?.text).toBe('its own');
  });

  it('a claimed line is not handed out again until its claim runs out; a sent one never', async () => {
    await runs.updateRun(run.id, run.version, {}, [], ['hello']);
    const line = await outbox.claimNext(run.id);
    expect(line).toMatchObject({ runId: run.id, text: 'hello', attempts: 1 });
    expect(await outbox.claimNext(run.id)).toBeNull();
    advance(60_001); // its poster died
    const again = await outbox.claimNext(run.id);
    expect(again).toMatchObject({ id: line?.id, attempts: 2 });
    await outbox.markSent(again?.id ?? 0);
    advance(120_000);
    expect(await outbox.claimNext(run.id)).toBeNull();
    expect((await outbox.claimLost(now, 100)).filter((l) => l.runId === run.id)).toEqual([]);
  });

  it('a failed post is released for another try, and given up after maxAttempts', async () => {
    await runs.updateRun(run.id, run.version, {}, [], ['flaky']);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const line = await outbox.claimNext(run.id);
      expect(line?.attempts).toBe(attempt);
      await outbox.markFailed(line?.id ?? 0, 'channel_not_found');
    }
    expect(await outbox.claimNext(run.id)).toBeNull();
    const [row] = await db.query('SELECT given_up_at, last_error FROM thread_outbox WHERE run_id = $1', [
      run.id,
    ]);
    expect(row?.last_error).toBe('channel_not_found');
    expect(row?.given_up_at).not.toBeNull();
  });

  it('claimLost takes unposted lines older than the cutoff, of any run, oldest first', async () => {
    await runs.updateRun(run.id, run.version, {}, [], ['old 1', 'old 2']);
    const created = await runs.createRun(
      { environment: `env${++n}`, requestedBy: 'U1', channel: 'C1', planSteps: [100], dryRun: false },
      { actor: 'U1', kind: 'command.start', phase: null, details: {} },
    );
    if (!created.ok) throw new Error('expected a run');
    await runs.updateRun(created.run.id, created.run.version, {}, [], ['old 3']);
    const held = await outbox.claimNext(run.id); // 'old 1' is being posted right now
    advance(40_000);
    await runs.updateRun(created.run.id, created.run.version + 1, {}, [], ['young']);
    // Lines earlier tests left unposted are lost too; only this test's runs are looked at.
    const mine = (lines: Array<{ runId: string; text: string }>) =>
      lines.filter((l) => l.runId === run.id || l.runId === created.run.id).map((l) => l.text);
    const lost = await outbox.claimLost(new Date(now.getTime() - 30_000), 100);
    expect(held?.text).toBe('old 1');
    expect(mine(lost)).toEqual(['old 2', 'old 3']);
    expect(mine(await outbox.claimLost(new Date(now.getTime() - 30_000), 100))).toEqual([]);
  });
});
