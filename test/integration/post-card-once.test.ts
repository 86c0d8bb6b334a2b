import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load-config.js';
import type { EngineDeps } from '../../src/engine/engine-deps.js';
import { postCard } from '../../src/engine/execute-effects.js';
import type { JobQueue } from '../../src/queue/job-queue.js';
import type { Notifier } from '../../src/slack/notifier.js';
import { createStore } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import { createJobLeases } from '../../src/store/job-leases.js';
import { migrate } from '../../src/store/migrate.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Two "processes" (separate pools) racing to post the same missing card, as after a crash. */
describe('postCard across processes', () => {
  let database: TestDatabase;
  const dbs: Db[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.close()));
    await database.drop();
  });

  it('posts the card exactly once and records its ts', async () => {
    const posts: string[] = [];
    const slowNotifier: Notifier = {
      async post(m) {
        posts.push(m.channel);
        await new Promise((r) => setTimeout(r, 300));
        return { ts: `1700000000.${String(posts.length).padStart(6, '0')}`, channel: m.channel };
      },
      update: async () => undefined,
      ephemeral: async () => undefined,
      upload: async () => undefined,
    };
    const config = parseConfigText(stringify(minimalConfigObject()), {}, 'test.yaml');
    const deps = (): EngineDeps => {
      // A small pool: concurrent card posts must not need a second connection each (no pool deadlock).
      const db = createDb({ databaseUrl: database.url, max: 2, connectionTimeoutMs: 2000 });
      dbs.push(db);
      return {
        store: createStore(db),
        leases: createJobLeases({ databaseUrl: database.url }),
        queue: {} as JobQueue,
        notifier: slowNotifier,
        config,
        log: pino({ level: 'silent' }),
        now: () => new Date(),
      };
    };
    const a = deps();
    const b = deps();
    const created = await a.store.runs.createRun(
      { environment: 'prod', requestedBy: 'U1', channel: 'C1', planSteps: [100], dryRun: false },
      { actor: 'U1', kind: 'command.start', phase: 'preflight', details: {} },
    );
    if (!created.ok) throw new Error('run not created');
    await Promise.all([
      postCard(created.run.id, a),
      postCard(created.run.id, b),
      postCard(created.run.id, a),
      postCard(created.run.id, b),
      postCard(created.run.id, a),
      postCard(created.run.id, b),
    ]);
    expect(posts).toHaveLength(1);
    expect((await b.store.runs.getRun(created.run.id))?.cardTs).toBe('1700000000.000001');
  });

  it('holds no database connection while Slack answers (card and gate message, pool of one)', async () => {
    // A pool of one connection: a post made inside a transaction would hold it, and the query below
    // (the click and reply path) would wait for Slack.
    const db = createDb({ databaseUrl: database.url, max: 1, connectionTimeoutMs: 1000 });
    dbs.push(db);
    const store = createStore(db);
    const created = await store.runs.createRun(
      { environment: 'stage', requestedBy: 'U1', channel: 'C1', planSteps: [100], dryRun: false },
      { actor: 'U1', kind: 'command.start', phase: 'preflight', details: {} },
    );
    if (!created.ok) throw new Error('run not created');
    const duringPost: number[] = [];
    const slowPost = async () => {
      const started = Date.now();
      await db.query('SELECT 1');
      duringPost.push(Date.now() - started);
      return { ts: '1700000001.000001' };
    };
    await store.runs.recordCardOnce(created.run.id, slowPost);
    const { gate } = await store.gates.createGate(
      {
        runId: created.run.id,
        kind: 'shift',
        targetWeight: 100,
        requestedBy: null,
        expiresAt: new Date(Date.now() + 60_000),
        comparison: null,
      },
      { actor: 'bot', kind: 'gate.requested', phase: 'preflight', details: {} },
    );
    const recorded = await store.gates.recordGateMessageOnce(gate.id, slowPost);
    expect(recorded?.gate.messageTs).toBe('1700000001.000001');
    expect(duringPost).toHaveLength(2);
    for (const ms of duringPost) expect(ms).toBeLessThan(500);
  });
});
