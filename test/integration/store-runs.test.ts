import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../src/domain/run.js';
import type { NewRunEvent } from '../../src/domain/run-event.js';
import { AppError } from '../../src/errors.js';
import { createDb, type Db } from '../../src/store/db.js';
import { createEventLog, type EventLog } from '../../src/store/event-log.js';
import { migrate } from '../../src/store/migrate.js';
import { createRunStore, type NewRunInput, type RunStore } from '../../src/store/run-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let testDb: TestDatabase;
let db: Db;
let runs: RunStore;
let events: EventLog;
let now = new Date('2025-11-26T10:00:00.000Z');
const tick = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

beforeAll(async () => {
  testDb = await createTestDatabase('kub_store_runs');
  await migrate({ databaseUrl: testDb.url });
  db = createDb({ databaseUrl: testDb.url, max: 12 });
  runs = createRunStore(db, { clock: () => now });
  events = createEventLog(db, { clock: () => now });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

let envCounter = 0;
let env = 'prod';
beforeEach(() => {
  env = `env${++envCounter}`;
  tick(60_000); // each test's runs are newer than every earlier test's
});

const startEvent: NewRunEvent = {
  actor: 'U1',
  kind: 'command.start',
  phase: null,
  details: { text: 'start' },
};

function input(over: Partial<NewRunInput> = {}): NewRunInput {
  return {
    environment: env,
    requestedBy: 'U1',
    channel: 'C1',
    planSteps: [5, 25, 50, 100],
    dryRun: false,
    ...over,
  };
}

async function start(over: Partial<NewRunInput> = {}): Promise<Run> {
  const result = await runs.createRun(input(over), startEvent);
  if (!result.ok) throw new Error(`expected a new run, got ${result.activeRun.id}`);
  return result.run;
}

async function finish(run: Run, phase: 'aborted' | 'completed' = 'aborted'): Promise<Run> {
  return runs.updateRun(run.id, run.version, { phase }, [
    { actor: 'U1', kind: 'command.abort', phase, details: {} },
  ]);
}

describe('createRun / getRun', () => {
  it('creates a run with every field mapped, and its event in the same transaction', async () => {
    const run = await start({ fromVersion: '2.8.4', toVersion: '3.9.1' });
    expect(run).toEqual({
      id: `${env}-1`,
      environment: env,
      number: 1,
      phase: 'preflight',
      paused: false,
      dryRun: false,
      requestedBy: 'U1',
      channel: 'C1',
      cardTs: null,
      threadTs: null,
      comparisonTs: null,
      fromVersion: '2.8.4',
      toVersion: '3.9.1',
      planSteps: [5, 25, 50, 100],
      appliedWeight: null,
      stepIndex: -1,
      xFingerprinted: false,
      failureReason: null,
      failedPhase: null,
      createdAt: now,
      updatedAt: now,
      phaseStartedAt: now,
      finishedAt: null,
      version: 1,
      stepStartedAt: null,
      stepFailing: false,
      lastVerdict: null,
      driftDetected: false,
      inFlightGateId: null,
    });
    expect(await runs.getRun(run.id)).toEqual(run);
    const log = await events.listEvents(run.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      runId: run.id,
      actor: 'U1',
      kind: 'command.start',
      details: { text: 'start' },
    });
    expect(typeof log[0]?.id).toBe('number');
    expect(log[0]?.at).toEqual(now);
  });

  it('returns null for an unknown run', async () => {
    expect(await runs.getRun('nope-1')).toBeNull();
  });

  it('rejects an environment name that cannot form a run id', async () => {
    await expect(runs.createRun(input({ environment: 'prod 7; drop' }), startEvent)).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
    });
  });

  it('numbers runs per environment, without gaps after refused starts', async () => {
    const a1 = await start();
    const refused = await runs.createRun(input(), startEvent);
    expect(refused).toMatchObject({ ok: false, reason: 'active_run_exists', activeRun: { id: a1.id } });
    await finish(a1);
    const a2 = await start();
    const other = await start({ environment: `${env}b` });
    expect([a1.number, a2.number, other.number]).toEqual([1, 2, 1]);
    expect(a2.id).toBe(`${env}-2`);
    expect(other.id).toBe(`${env}b-1`);
  });
});

describe('one active run per environment', () => {
  it('refuses a second start with the active run, and writes nothing for it', async () => {
    const first = await start();
    const second = await runs.createRun(input({ requestedBy: 'U2' }), { ...startEvent, actor: 'U2' });
    expect(second.ok).toBe(false);
    if (second.ok) return;
    expect(second.activeRun).toEqual(first);
    expect(await runs.listRuns({ limit: 50 })).not.toContainEqual(
      expect.objectContaining({ requestedBy: 'U2' }),
    );
    expect(await events.listEvents(first.id)).toHaveLength(1);
  });

  it('lets exactly one of many concurrent starts win', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => runs.createRun(input({ requestedBy: `U${i}` }), startEvent)),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0];
    if (!winner?.ok) throw new Error('no winner');
    expect(winner.run.number).toBe(1);
    for (const r of results) {
      if (!r.ok) expect(r.activeRun.id).toBe(winner.run.id);
    }
    const all = (await runs.listRuns({ limit: 500 })).filter((r) => r.environment === env);
    expect(all).toHaveLength(1);
  });

  it('is enforced by the database itself (partial unique index)', async () => {
    await start();
    const error = await db
      .query(
        `INSERT INTO runs (id, environment, number, phase, requested_by, channel, plan_steps, created_at, updated_at, phase_started_at)
         VALUES ($1, $2, 99, 'backup', 'U9', 'C1', '{100}', now(), now(), now())`,
        [`${env}-99`, env],
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'E_STORE_CONFLICT',
      details: { constraint: 'runs_one_active_per_environment' },
    });
  });

  it('does not count dry runs: they neither block nor are blocked', async () => {
    const dry = await start({ dryRun: true });
    const real = await start();
    const dry2 = await start({ dryRun: true });
    expect([dry.number, real.number, dry2.number]).toEqual([1, 2, 3]);
    expect(dry.dryRun).toBe(true);
    expect((await runs.findActiveRun(env))?.id).toBe(real.id);
  });

  it('releases the environment when the run reaches a terminal phase', async () => {
    for (const phase of ['completed', 'rolled_back', 'failed', 'aborted'] as const) {
      const run = await start();
      expect((await runs.findActiveRun(env))?.id).toBe(run.id);
      await runs.updateRun(run.id, run.version, { phase }, []);
      expect(await runs.findActiveRun(env)).toBeNull();
    }
  });
});

describe('updateRun', () => {
  it('applies a patch, bumps version and updated_at, and writes the events in order', async () => {
    const run = await start();
    tick(1000);
    const updated = await runs.updateRun(
      run.id,
      run.version,
      {
        phase: 'backup',
        cardTs: '1700000000.000100',
        threadTs: '1700000000.000100',
        xFingerprint: { services: 'abc', routes: 'def' },
      },
      [
        { actor: 'job:preflight', kind: 'job.preflight.finished', phase: 'preflight', details: { ok: true } },
        { actor: 'bot', kind: 'phase.changed', phase: 'backup', details: {} },
      ],
    );
    expect(updated).toMatchObject({
      phase: 'backup',
      cardTs: '1700000000.000100',
      xFingerprinted: true,
      version: 2,
      updatedAt: now,
      phaseStartedAt: now,
      createdAt: run.createdAt,
    });
    expect(await runs.getRun(run.id)).toEqual(updated);
    // The fingerprint itself is read on its own, never with the run.
    expect(updated).not.toHaveProperty('xFingerprint');
    expect(await runs.getXFingerprint(run.id)).toEqual({ services: 'abc', routes: 'def' });
    expect((await events.listEvents(run.id)).map((e) => e.kind)).toEqual([
      'command.start',
      'job.preflight.finished',
      'phase.changed',
    ]);
  });

  it('keeps phase_started_at when the phase does not change, and can clear nullable fields', async () => {
    const run = await start();
    tick(1000);
    const a = await runs.updateRun(run.id, 1, { appliedWeight: 5, stepIndex: 0, paused: true }, []);
    tick(1000);
    const b = await runs.updateRun(
      run.id,
      a.version,
      { phase: 'preflight', appliedWeight: null, paused: false },
      [],
    );
    expect(b.phaseStartedAt).toEqual(run.phaseStartedAt);
    expect(b.updatedAt).toEqual(now);
    expect(b).toMatchObject({ appliedWeight: null, stepIndex: 0, paused: false, version: 3 });
  });

  it('sets finished_at when the run becomes terminal, and keeps failure facts', async () => {
    const run = await start();
    tick(5000);
    const failed = await runs.updateRun(
      run.id,
      run.version,
      { phase: 'failed', failedPhase: 'preflight', failureReason: 'Y is older than X' },
      [],
    );
    expect(failed).toMatchObject({ phase: 'failed', failedPhase: 'preflight', finishedAt: now });
  });

  it('throws a retryable E_STORE_CONFLICT on a stale version and writes neither the patch nor the events', async () => {
    const run = await start();
    await runs.updateRun(run.id, run.version, { paused: true }, []);
    const error = await runs
      .updateRun(run.id, run.version, { phase: 'aborted' }, [
        { actor: 'U1', kind: 'command.abort', phase: null, details: {} },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'E_STORE_CONFLICT', retryable: true, details: { actualVersion: 2 } });
    expect((await runs.getRun(run.id))?.phase).toBe('preflight');
    expect((await events.listEvents(run.id)).map((e) => e.kind)).toEqual(['command.start']);
  });

  it('lets only one of two concurrent updates at the same version win', async () => {
    const run = await start();
    const results = await Promise.allSettled([
      runs.updateRun(run.id, 1, { phase: 'backup' }, [
        { actor: 'a', kind: 'k', phase: 'backup', details: {} },
      ]),
      runs.updateRun(run.id, 1, { phase: 'aborted' }, [
        { actor: 'b', kind: 'k', phase: 'aborted', details: {} },
      ]),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(await events.listEvents(run.id)).toHaveLength(2);
  });

  it('rolls the patch back when an event cannot be written', async () => {
    const run = await start();
    const bad = { actor: null, kind: 'x', phase: null, details: {} } as unknown as NewRunEvent;
    await expect(runs.updateRun(run.id, run.version, { phase: 'backup' }, [bad])).rejects.toBeInstanceOf(
      AppError,
    );
    expect(await runs.getRun(run.id)).toEqual(run);
    expect(await events.listEvents(run.id)).toHaveLength(1);
  });

  it('throws E_NOT_FOUND for an unknown run', async () => {
    await expect(runs.updateRun('ghost-1', 1, { paused: true }, [])).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
    });
  });
});

describe('queries', () => {
  it('finds the newest active run of a channel, dry runs included', async () => {
    const channel = `C-${env}`;
    const older = await start({ channel });
    tick(1000);
    const newer = await start({ channel, environment: `${env}x`, dryRun: true });
    tick(1000);
    await start({ channel: `${channel}-other`, environment: `${env}y` });
    expect((await runs.newestActiveRunInChannel(channel))?.id).toBe(newer.id);
    await finish(newer, 'completed');
    expect((await runs.newestActiveRunInChannel(channel))?.id).toBe(older.id);
    await finish(older);
    expect(await runs.newestActiveRunInChannel(channel)).toBeNull();
  });

  it('lists runs newest first, bounded, and active ones', async () => {
    const a = await start();
    tick(1000);
    const b = await start({ environment: `${env}b` });
    tick(1000);
    await finish(a);
    const c = await start();
    const recent = await runs.listRuns({ limit: 3 });
    expect(recent.map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect(await runs.listRuns({ limit: 0 })).toHaveLength(1);
    const active = await runs.listRuns({ limit: 500, activeOnly: true });
    expect(active.map((r) => r.id)).toEqual(expect.arrayContaining([b.id, c.id]));
    expect(active.map((r) => r.id)).not.toContain(a.id);
    const all = await runs.listActiveRuns();
    expect(all.every((r) => !['completed', 'rolled_back', 'failed', 'aborted'].includes(r.phase))).toBe(true);
    expect(all.map((r) => r.id)).toEqual(expect.arrayContaining([b.id, c.id]));
    expect(all.map((r) => r.id)).not.toContain(a.id);
  });
});

describe('the X fingerprint', () => {
  it('is read only on its own: no run read brings its megabytes along', async () => {
    // What a Kong with 20,000 consumers and their credentials stores (~3 MB of JSON).
    const entities = Array.from({ length: 40_000 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      digest: 'abcdef0123456789',
    }));
    const fingerprint = {
      version: 1,
      digest: 'd',
      types: { keyauth_credentials: { count: 40_000, digest: 'k', entities } },
    };
    const rows: Array<Record<string, unknown>> = [];
    const watched: Db = {
      ...db,
      query: async (text, params) => {
        const result = await db.query(text, params);
        if (!/x_fingerprint FROM runs WHERE id/.test(text)) rows.push(...result);
        return result;
      },
      withTransaction: (fn) =>
        db.withTransaction((tx) =>
          fn({
            query: async (text, params) => {
              const result = await tx.query(text, params);
              rows.push(...result);
              return result;
            },
          }),
        ),
    };
    const store = createRunStore(watched, { clock: () => now });
    const created = await store.createRun(input({ channel: `C-fp-${env}` }), startEvent);
    if (!created.ok) throw new Error('expected a new run');
    const run = await store.updateRun(created.run.id, created.run.version, { xFingerprint: fingerprint }, []);
    expect(run.xFingerprinted).toBe(true);
    const reads = [
      await store.getRun(run.id),
      (await store.getRunWithRecentEvents(run.id, 5))?.run,
      await store.findActiveRun(env),
      await store.newestActiveRunInChannel(`C-fp-${env}`),
      (await store.listRuns({ limit: 500 })).find((r) => r.id === run.id),
      (await store.listActiveRuns()).find((r) => r.id === run.id),
      await store.updateRun(run.id, run.version, { paused: true }, []),
    ];
    expect(reads.every((r) => r?.id === run.id && r.xFingerprinted)).toBe(true);
    expect(rows.length).toBeGreaterThan(reads.length);
    expect(rows.filter((r) => Object.hasOwn(r, 'x_fingerprint'))).toEqual([]);
    expect(await store.getXFingerprint(run.id)).toEqual(fingerprint);
    expect(await store.getXFingerprint('nope-1')).toBeNull();
  });
});

describe('EventLog', () => {
  it('appends events and lists them oldest first', async () => {
    const run = await start();
    const at = new Date('2025-01-01T00:00:00.000Z');
    const e = await events.appendEvent(run.id, {
      actor: 'U2',
      kind: 'gate.refused',
      phase: 'preflight',
      details: { why: 'x' },
      at,
    });
    expect(e).toMatchObject({
      runId: run.id,
      at,
      actor: 'U2',
      kind: 'gate.refused',
      phase: 'preflight',
      details: { why: 'x' },
    });
    expect((await events.listEvents(run.id)).map((x) => x.kind)).toEqual(['command.start', 'gate.refused']);
  });

  it('reads only the newest events with the run, oldest first, for the ack path', async () => {
    const run = await start();
    for (let i = 0; i < 8; i += 1) {
      await events.appendEvent(run.id, { actor: 'U2', kind: `step.${i}`, phase: 'preflight', details: {} });
    }
    expect((await runs.getRunWithRecentEvents(run.id, 3))?.events.map((x) => x.kind)).toEqual([
      'step.5',
      'step.6',
      'step.7',
    ]);
    expect((await runs.getRunWithRecentEvents(run.id, 100))?.events).toHaveLength(9);
  });

  it('reads a run with its newest events in one round trip, equal to the separate reads', async () => {
    const run = await start();
    for (let i = 0; i < 7; i += 1) {
      await events.appendEvent(run.id, {
        actor: 'U3',
        kind: `tick.${i}`,
        phase: 'preflight',
        details: { i },
      });
    }
    const both = await runs.getRunWithRecentEvents(run.id, 4);
    expect(both?.run).toEqual(await runs.getRun(run.id));
    expect(both?.events).toEqual((await events.listEvents(run.id)).slice(-4));
    expect(both?.events.map((e) => e.kind)).toEqual(['tick.3', 'tick.4', 'tick.5', 'tick.6']);
    expect(await runs.getRunWithRecentEvents('ghost-9', 4)).toBeNull();
  });

  it('a burst of status reads shares a few queries, and a read asked after a change sees it', async () => {
    const a = await start();
    env = `${env}b`;
    const b = await start();
    let queries = 0;
    const counting: Db = {
      ...db,
      query: (text, params) => {
        queries++;
        return db.query(text, params);
      },
    };
    const burstRuns = createRunStore(counting, { clock: () => now });
    const ids = Array.from({ length: 40 }, (_, i) => (i % 3 === 2 ? 'ghost-1' : i % 2 ? a.id : b.id));
    const answers = await Promise.all(ids.map((id) => burstRuns.getRunWithRecentEvents(id, 3)));
    expect(queries).toBe(1);
    answers.forEach((answer, i) => {
      expect(answer?.run.id ?? null).toBe(ids[i] === 'ghost-1' ? null : ids[i]);
    });
    expect(answers[0]).toEqual(await runs.getRunWithRecentEvents(b.id, 3));

    // One read in flight; the run changes; a read asked now must not get the earlier answer.
    const before = burstRuns.getRunWithRecentEvents(a.id, 3);
    await new Promise((resolve) => setImmediate(resolve));
    await runs.updateRun(a.id, a.version, { paused: true }, [
      { actor: 'U2', kind: 'command.pause', phase: 'preflight', details: {} },
    ]);
    const after = await burstRuns.getRunWithRecentEvents(a.id, 3);
    expect(after?.run.paused).toBe(true);
    expect(after?.events.at(-1)?.kind).toBe('command.pause');
    expect((await before)?.run.id).toBe(a.id);
  });

  it('reads just the phase of a run, or null for none', async () => {
    const run = await start();
    expect(await runs.getPhase(run.id)).toBe('preflight');
    expect(await runs.getPhase('ghost-3')).toBeNull();
  });

  it('finds the newest event of one kind, or null', async () => {
    const run = await start();
    await events.appendEvent(run.id, {
      actor: 'job:x',
      kind: 'job.x.succeeded',
      phase: 'preflight',
      details: { n: 1 },
    });
    await events.appendEvent(run.id, { actor: 'U1', kind: 'other', phase: 'preflight', details: {} });
    await events.appendEvent(run.id, {
      actor: 'job:x',
      kind: 'job.x.succeeded',
      phase: 'backup',
      details: { n: 2 },
    });
    expect((await events.findLatestEvent(run.id, 'job.x.succeeded'))?.details).toEqual({ n: 2 });
    expect(await events.findLatestEvent(run.id, 'job.y.succeeded')).toBeNull();
  });

  it('refuses an event for an unknown run', async () => {
    await expect(events.appendEvent('ghost-1', startEvent)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect(await events.listEvents('ghost-1')).toEqual([]);
  });
});
