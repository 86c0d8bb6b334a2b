import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/domain/run.js';
import { createStore, type Store } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import {
  createRunChangeFeed,
  RUN_CHANGED_CHANNEL,
  type RunChangeFeed,
} from '../../src/store/run-change-feed.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let testDb: TestDatabase;
/** The bot's side: a store reading through the feed. */
let botDb: Db;
let feed: RunChangeFeed;
let bot: Store;
/** Another process (a worker): its own pool and store, no cache. */
let workerDb: Db;
let worker: Store;
let queries = 0;

beforeAll(async () => {
  testDb = await createTestDatabase('kub_change_feed');
  await migrate({ databaseUrl: testDb.url });
  const db = createDb({ databaseUrl: testDb.url });
  botDb = {
    ...db,
    query: (text, params) => {
      queries++;
      return db.query(text, params);
    },
  };
  feed = createRunChangeFeed({ databaseUrl: testDb.url, retryBaseMs: 50 });
  bot = createStore(botDb, { runChanges: feed });
  workerDb = createDb({ databaseUrl: testDb.url });
  worker = createStore(workerDb);
});
afterAll(async () => {
  await feed?.close();
  await botDb?.close();
  await workerDb?.close();
  await testDb?.drop();
});

let n = 0;
async function newRun(store: Store): Promise<Run> {
  const result = await store.runs.createRun(
    { environment: `env${++n}`, requestedBy: 'U1', channel: 'C1', planSteps: [5, 100], dryRun: false },
    { actor: 'U1', kind: 'command.start', phase: null, details: {} },
  );
  if (!result.ok) throw new Error('expected a new run');
  return result.run;
}

let barriers = 0;
/**
 * Waits until every change committed so far has reached the feed: notifications arrive in commit
 * order, so once a marker sent now is seen, earlier ones have been handled (their copies dropped).
 */
async function settle() {
  if (!feed.live) return;
  const marker = `settle-${++barriers}`;
  let seen = false;
  const stop = feed.subscribe((id) => {
    if (id === marker) seen = true;
  });
  try {
    await workerDb.query('SELECT pg_notify($1, $2)', [RUN_CHANGED_CHANNEL, marker]);
    await eventually(() => seen, 5_000, 5);
  } finally {
    stop();
  }
}

/**
 * Reads until the bot's read is answered from memory (the feed listens from the first read on),
 * after the notifications of earlier writes have arrived: a late one would drop the copy afterwards.
 */
async function warm(runId: string) {
  await eventually(async () => {
    await settle();
    await bot.runs.getRunWithRecentEvents(runId, 5);
    const before = queries;
    await bot.runs.getRunWithRecentEvents(runId, 5);
    return queries === before;
  });
}

describe('run change feed and the status read cache (real PostgreSQL)', () => {
  it('announces each committed change to a run or its audit log, with the run id', async () => {
    const own = createRunChangeFeed({ databaseUrl: testDb.url });
    const seen: Array<string | null> = [];
    own.subscribe((id) => seen.push(id));
    own.start();
    await eventually(() => own.live);
    const run = await newRun(worker);
    await worker.events.appendEvent(run.id, {
      actor: 'job:x',
      kind: 'job.x.progress',
      phase: null,
      details: {},
    });
    await worker.runs.updateRun(run.id, run.version, { paused: true }, []);
    await eventually(() => seen.filter((id) => id === run.id).length >= 3);
    // A rolled-back write announces nothing.
    const before = seen.length;
    await expect(
      workerDb.withTransaction(async (tx) => {
        await tx.query('UPDATE runs SET paused = false WHERE id = $1', [run.id]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await worker.events.appendEvent(run.id, { actor: 'U1', kind: 'marker', phase: null, details: {} });
    await eventually(() => seen.length > before);
    expect(seen.slice(before)).toEqual([run.id]);
    await own.close();
    expect(own.live).toBe(false);
  });

  it('repeated status reads cost no query once warm; another process’s change is seen as soon as announced', async () => {
    const run = await newRun(worker);
    await warm(run.id);
    const before = queries;
    const burst = await Promise.all(
      Array.from({ length: 50 }, () => bot.runs.getRunWithRecentEvents(run.id, 5)),
    );
    expect(queries).toBe(before);
    expect(burst.every((r) => r?.run.id === run.id && r.run.paused === false)).toBe(true);

    await worker.runs.updateRun(run.id, run.version, { paused: true }, [
      { actor: 'U2', kind: 'command.pause', phase: 'preflight', details: {} },
    ]);
    const seen = await eventually(
      async () => {
        const r = await bot.runs.getRunWithRecentEvents(run.id, 5);
        return r?.run.paused ? r : null;
      },
      2_000,
      5,
    );
    expect(seen.events.at(-1)?.kind).toBe('command.pause');
  });

  it('a write by this process is seen by its very next read', async () => {
    const run = await newRun(bot);
    await warm(run.id);
    for (let i = 0; i < 20; i++) {
      await bot.events.appendEvent(run.id, { actor: 'U1', kind: `local.${i}`, phase: null, details: {} });
      expect((await bot.runs.getRunWithRecentEvents(run.id, 5))?.events.at(-1)?.kind).toBe(`local.${i}`);
    }
    const current = await bot.runs.getRun(run.id);
    if (!current) throw new Error('run vanished');
    await bot.runs.updateRun(run.id, current.version, { paused: true }, []);
    expect((await bot.runs.getRunWithRecentEvents(run.id, 5))?.run.paused).toBe(true);
  });

  it('posting a thread line (outbox bookkeeping) keeps the copies: it changes no run', async () => {
    const run = await newRun(worker);
    await worker.runs.updateRun(run.id, run.version, {}, [], ['a line']);
    await warm(run.id);
    const line = await bot.outbox.claimNext(run.id);
    await bot.outbox.markSent(line?.id ?? 0);
    const before = queries;
    await bot.runs.getRunWithRecentEvents(run.id, 5);
    expect(queries).toBe(before);
  });

  it('the newest active run of a channel is answered from memory until any run changes', async () => {
    const channel = `C-newest-${++n}`;
    const lookup = () => bot.runs.newestActiveRunInChannel(channel);
    await settle();
    await eventually(async () => {
      await lookup();
      const before = queries;
      return (await lookup()) === null && queries === before;
    });
    // Another process starts a run there: the cached "none" goes as soon as it is announced.
    const started = await worker.runs.createRun(
      { environment: `env${++n}`, requestedBy: 'U1', channel, planSteps: [5, 100], dryRun: false },
      { actor: 'U1', kind: 'command.start', phase: null, details: {} },
    );
    if (!started.ok) throw new Error('expected a new run');
    expect((await eventually(lookup, 2_000, 5))?.id).toBe(started.run.id);
    await settle();
    await lookup();
    const before = queries;
    await Promise.all(Array.from({ length: 20 }, lookup));
    expect(queries).toBe(before);
    // This process ends it: its very next lookup sees no active run.
    await bot.runs.updateRun(started.run.id, started.run.version, { phase: 'aborted' }, []);
    expect(await lookup()).toBeNull();
  });

  it('when the feed’s connection is killed, reads go to PostgreSQL until it listens again', async () => {
    const run = await newRun(worker);
    await warm(run.id);
    const killed = await workerDb.query(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
    );
    expect(killed.length).toBeGreaterThan(0);
    await eventually(() => !feed.live, 2_000, 5);
    // Down: every read is a query, and a change made meanwhile is seen at once.
    await worker.runs.updateRun(run.id, run.version, { paused: true }, []);
    const before = queries;
    expect((await bot.runs.getRunWithRecentEvents(run.id, 5))?.run.paused).toBe(true);
    expect(queries).toBe(before + 1);
    // Back: warm again, and served from memory.
    await eventually(() => feed.live, 5_000);
    await warm(run.id);
    expect((await bot.runs.getRunWithRecentEvents(run.id, 5))?.run.paused).toBe(true);
  });
});
