import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import type { Run } from '../../src/domain/run.js';
import { createDb, type Db } from '../../src/store/db.js';
import { createEventLog, type EventLog } from '../../src/store/event-log.js';
import {
  createGateStore,
  type GateJudge,
  type GateStore,
  type NewGateInput,
} from '../../src/store/gate-store.js';
import { migrate } from '../../src/store/migrate.js';
import { createRunStore, type RunStore } from '../../src/store/run-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let testDb: TestDatabase;
let db: Db;
let runs: RunStore;
let gates: GateStore;
let events: EventLog;
const T0 = new Date('2025-11-26T10:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

beforeAll(async () => {
  testDb = await createTestDatabase('kub_store_gates');
  await migrate({ databaseUrl: testDb.url });
  db = createDb({ databaseUrl: testDb.url, max: 22 });
  runs = createRunStore(db, { clock: () => T0 });
  gates = createGateStore(db, { clock: () => T0 });
  events = createEventLog(db, { clock: () => T0 });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

let n = 0;
async function newRun(): Promise<Run> {
  const result = await runs.createRun(
    { environment: `g${++n}`, requestedBy: 'U_REQ', channel: 'C1', planSteps: [5, 100], dryRun: false },
    { actor: 'U_REQ', kind: 'command.start', phase: null, details: {} },
  );
  if (!result.ok) throw new Error('run not created');
  return runs.updateRun(result.run.id, result.run.version, { phase: 'awaiting_gate' }, []);
}

function gateInput(run: Run, over: Partial<NewGateInput> = {}): NewGateInput {
  return {
    runId: run.id,
    kind: 'shift',
    targetWeight: 5,
    requestedBy: null,
    expiresAt: minutes(60),
    comparison: [{ metric: 'p95', x: 12.5, y: 13 }],
    ...over,
  };
}

const posted = (run: Run) => ({ actor: 'bot', kind: 'gate.posted', phase: run.phase, details: { step: 1 } });

/** What the real approver policy does at its core: only a pending, unexpired gate can be decided. */
function judgeAs(userId: string, outcome: 'approved' | 'rejected', now: Date): GateJudge {
  return (gate, run) => {
    if (gate.status !== 'pending' || gate.expiresAt <= now) {
      const reason = gate.status !== 'pending' ? `already_${gate.status}` : 'expired';
      return {
        outcome: 'refused',
        reason,
        event: { actor: userId, kind: 'gate.refused', phase: run.phase, details: { reason } },
      };
    }
    return { outcome, event: { actor: userId, kind: `gate.${outcome}`, phase: run.phase, details: {} } };
  };
}

describe('createGate', () => {
  it('creates a pending gate, records its event with the gate id, and maps every field', async () => {
    const run = await newRun();
    const { gate, superseded } = await gates.createGate(
      gateInput(run, { requestedBy: 'U_ASK' }),
      posted(run),
    );
    expect(superseded).toEqual([]);
    expect(gate).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      runId: run.id,
      kind: 'shift',
      targetWeight: 5,
      status: 'pending',
      requestedBy: 'U_ASK',
      requestedAt: T0,
      expiresAt: minutes(60),
      decidedBy: null,
      decidedAt: null,
      messageTs: null,
      comparison: [{ metric: 'p95', x: 12.5, y: 13 }],
      requiredApprovals: 1,
    });
    expect(await gates.getGate(gate.id)).toEqual(gate);
    const log = await events.listEvents(run.id);
    expect(log.at(-1)).toMatchObject({ kind: 'gate.posted', details: { step: 1, gateId: gate.id } });
  });

  it('supersedes the pending gates of the run, in the same transaction, with an event each', async () => {
    const run = await newRun();
    const other = await newRun();
    const { gate: first } = await gates.createGate(gateInput(run), posted(run));
    const { gate: foreign } = await gates.createGate(gateInput(other), posted(other));
    const { gate: rollback, superseded } = await gates.createGate(
      gateInput(run, { kind: 'rollback', targetWeight: 0, comparison: null }),
      posted(run),
    );
    expect(superseded.map((g) => [g.id, g.status])).toEqual([[first.id, 'superseded']]);
    expect((await gates.getGate(first.id))?.status).toBe('superseded');
    expect((await gates.getGate(foreign.id))?.status).toBe('pending');
    expect((await gates.pendingGates(run.id)).map((g) => g.id)).toEqual([rollback.id]);
    expect(rollback.comparison).toBeNull();
    const kinds = (await events.listEvents(run.id)).map((e) => [e.kind, e.details.gateId]);
    expect(kinds.slice(-3)).toEqual([
      ['gate.posted', first.id],
      ['gate.superseded', first.id],
      ['gate.posted', rollback.id],
    ]);
    expect((await gates.listGates(run.id)).map((g) => g.id)).toEqual([first.id, rollback.id]);
  });

  it('never replaces a pending rollback with another rollback (a failing comparison and a command at once)', async () => {
    const run = await newRun();
    const { gate: asked } = await gates.createGate(
      gateInput(run, { kind: 'rollback', targetWeight: 0, comparison: null }),
      posted(run),
    );
    const before = (await events.listEvents(run.id)).length;
    const again = await gates.createGate(
      gateInput(run, { kind: 'rollback', targetWeight: 0, comparison: null }),
      posted(run),
    );
    expect(again).toEqual({ gate: asked, superseded: [], existing: true });
    expect((await gates.pendingGates(run.id)).map((g) => g.id)).toEqual([asked.id]);
    expect(await events.listEvents(run.id)).toHaveLength(before);
    // A traffic step asked meanwhile does not silently cancel the rollback question.
    const { gate: step, superseded } = await gates.createGate(gateInput(run), posted(run));
    expect(superseded).toEqual([]);
    expect((await gates.pendingGates(run.id)).map((g) => g.id)).toEqual([asked.id, step.id]);
  });

  it('keeps at most one pending shift/complete gate per run even under concurrent creation', async () => {
    const run = await newRun();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        gates.createGate(gateInput(run, { targetWeight: i + 1 }), posted(run)),
      ),
    );
    expect(await gates.pendingGates(run.id)).toHaveLength(1);
    expect((await gates.listGates(run.id)).filter((g) => g.status === 'superseded')).toHaveLength(7);
  });

  it('has the partial unique index as the database-level guarantee', async () => {
    const run = await newRun();
    await gates.createGate(gateInput(run), posted(run));
    const insert = (kind: string) =>
      db.query(
        `INSERT INTO gates (run_id, kind, target_weight, requested_at, expires_at) VALUES ($1, $2, 100, now(), now())`,
        [run.id, kind],
      );
    await expect(insert('complete')).rejects.toMatchObject({
      code: 'E_STORE_CONFLICT',
      details: { constraint: 'gates_one_pending_advance_per_run' },
    });
    await expect(insert('rollback')).resolves.toEqual([]);
  });

  it('refuses a gate for an unknown run', async () => {
    await expect(
      gates.createGate(gateInput({ id: 'ghost-1' } as Run), {
        actor: 'bot',
        kind: 'gate.posted',
        phase: null,
        details: {},
      }),
    ).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});

describe('decideGate', () => {
  it('approves exactly once under 20 concurrent clicks; the others are refused and audited', async () => {
    const run = await newRun();
    const { gate } = await gates.createGate(gateInput(run), posted(run));
    const now = minutes(1);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gates.decideGate({ gateId: gate.id, userId: `U${i}`, now, judge: judgeAs(`U${i}`, 'approved', now) }),
      ),
    );
    const approved = results.filter((r) => r.outcome === 'approved');
    expect(approved).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'refused' && r.reason === 'already_approved')).toHaveLength(
      19,
    );
    const winner = approved[0];
    expect(winner?.gate).toMatchObject({ status: 'approved', decidedAt: now });
    expect(winner?.run.id).toBe(run.id);
    const stored = await gates.getGate(gate.id);
    expect(stored?.decidedBy).toBe(winner?.gate.decidedBy);
    const log = (await events.listEvents(run.id)).filter((e) => e.details.gateId === gate.id);
    expect(log.filter((e) => e.kind === 'gate.approved')).toHaveLength(1);
    expect(log.filter((e) => e.kind === 'gate.refused')).toHaveLength(19);
    expect(log.find((e) => e.kind === 'gate.approved')?.actor).toBe(stored?.decidedBy);
  });

  it('audits a refused click but leaves the gate pending', async () => {
    const run = await newRun();
    const { gate } = await gates.createGate(gateInput(run, { requestedBy: 'U_REQ' }), posted(run));
    const now = minutes(1);
    const fourEyes: GateJudge = (g, r) => ({
      outcome: 'refused',
      reason: 'requester_may_not_approve',
      event: {
        actor: 'U_REQ',
        kind: 'gate.refused',
        phase: r.phase,
        details: { reason: 'four-eyes', kind: g.kind },
      },
    });
    const result = await gates.decideGate({ gateId: gate.id, userId: 'U_REQ', now, judge: fourEyes });
    expect(result).toMatchObject({
      outcome: 'refused',
      reason: 'requester_may_not_approve',
      gate: { status: 'pending' },
    });
    expect(await gates.getGate(gate.id)).toEqual(gate);
    expect((await events.listEvents(run.id)).at(-1)).toMatchObject({
      actor: 'U_REQ',
      kind: 'gate.refused',
      at: now,
      details: { reason: 'four-eyes', gateId: gate.id, userId: 'U_REQ' },
    });
  });

  it('records a rejection with who and when', async () => {
    const run = await newRun();
    const { gate } = await gates.createGate(gateInput(run), posted(run));
    const now = minutes(2);
    const result = await gates.decideGate({
      gateId: gate.id,
      userId: 'U_B',
      now,
      judge: judgeAs('U_B', 'rejected', now),
    });
    expect(result.gate).toMatchObject({ status: 'rejected', decidedBy: 'U_B', decidedAt: now });
    const again = await gates.decideGate({
      gateId: gate.id,
      userId: 'U_C',
      now,
      judge: judgeAs('U_C', 'approved', now),
    });
    expect(again).toMatchObject({
      outcome: 'refused',
      reason: 'already_rejected',
      gate: { status: 'rejected' },
    });
  });

  it('never decides a gate twice, even if the judge forgets to check the status', async () => {
    const run = await newRun();
    const { gate } = await gates.createGate(gateInput(run), posted(run));
    const careless: GateJudge = (_g, r) => ({
      outcome: 'approved',
      event: { actor: 'U_X', kind: 'gate.approved', phase: r.phase, details: {} },
    });
    await gates.decideGate({ gateId: gate.id, userId: 'U_X', now: minutes(1), judge: careless });
    await expect(
      gates.decideGate({ gateId: gate.id, userId: 'U_Y', now: minutes(1), judge: careless }),
    ).rejects.toMatchObject({
      code: 'E_STORE_CONFLICT',
    });
    expect((await gates.getGate(gate.id))?.decidedBy).toBe('U_X');
    expect((await events.listEvents(run.id)).filter((e) => e.kind === 'gate.approved')).toHaveLength(1);
  });

  it('throws E_NOT_FOUND for an unknown or malformed gate id, without calling the judge', async () => {
    let called = 0;
    const judge: GateJudge = () => {
      called++;
      return { outcome: 'approved', event: { actor: 'U', kind: 'gate.approved', phase: null, details: {} } };
    };
    for (const gateId of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "'; DROP TABLE gates; --"]) {
      await expect(gates.decideGate({ gateId, userId: 'U', now: T0, judge })).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });
    }
    expect(called).toBe(0);
    expect(await gates.getGate('not-a-uuid')).toBeNull();
  });

  it('rolls back everything when the judge throws', async () => {
    const run = await newRun();
    const { gate } = await gates.createGate(gateInput(run), posted(run));
    const before = await events.listEvents(run.id);
    const judge: GateJudge = () => {
      throw new Error('policy crashed');
    };
    await expect(gates.decideGate({ gateId: gate.id, userId: 'U', now: T0, judge })).rejects.toThrow(
      'policy crashed',
    );
    expect(await gates.getGate(gate.id)).toEqual(gate);
    expect(await events.listEvents(run.id)).toEqual(before);
  });
});

describe('expiry', () => {
  it('expires only due pending gates, once, with an event each, and reports the next expiry', async () => {
    await db.query(`UPDATE gates SET status = 'superseded' WHERE status = 'pending'`);
    expect(await gates.nextGateExpiry()).toBeNull();
    const run = await newRun();
    const other = await newRun();
    const { gate: soon } = await gates.createGate(gateInput(run, { expiresAt: minutes(10) }), posted(run));
    const { gate: late } = await gates.createGate(
      gateInput(other, { expiresAt: minutes(30) }),
      posted(other),
    );
    expect(await gates.nextGateExpiry()).toEqual(minutes(10));

    expect(await gates.expireDueGates(minutes(9))).toEqual([]);
    const [expired, ...rest] = await Promise.all([
      gates.expireDueGates(minutes(10)),
      gates.expireDueGates(minutes(10)),
    ]);
    const all: Gate[] = [...(expired ?? []), ...rest.flat()];
    expect(all.map((g) => [g.id, g.status, g.decidedAt])).toEqual([[soon.id, 'expired', minutes(10)]]);
    expect((await gates.getGate(late.id))?.status).toBe('pending');
    expect(await gates.nextGateExpiry()).toEqual(minutes(30));
    expect((await events.listEvents(run.id)).at(-1)).toMatchObject({
      actor: 'bot',
      kind: 'gate.expired',
      phase: 'awaiting_gate',
      at: minutes(10),
      details: { gateId: soon.id },
    });

    const now = minutes(11);
    const click = await gates.decideGate({
      gateId: soon.id,
      userId: 'U',
      now,
      judge: judgeAs('U', 'approved', now),
    });
    expect(click).toMatchObject({ outcome: 'refused', reason: 'already_expired' });
  });
});

describe('recordGateMessageOnce', () => {
  it('posts once however many callers race, and records the ts', async () => {
    const run = await newRun();
    const { gate } = await gates.createGate(gateInput(run), posted(run));
    let posts = 0;
    const post = async () => {
      posts++;
      await new Promise((resolve) => setTimeout(resolve, 20)); // Slack takes a moment
      return { ts: `1700000000.00030${posts}` };
    };
    const results = await Promise.all([1, 2, 3].map(() => gates.recordGateMessageOnce(gate.id, post)));
    expect(posts).toBe(1);
    expect(results.filter((r) => r !== null).map((r) => r?.gate.messageTs)).toEqual(['1700000000.000301']);
    expect(results.find((r) => r !== null)?.run.id).toBe(run.id);
    expect((await gates.getGate(gate.id))?.messageTs).toBe('1700000000.000301');
  });

  it('posts nothing for a gate that is no longer pending, or unknown, or malformed', async () => {
    const run = await newRun();
    const { gate } = await gates.createGate(gateInput(run), posted(run));
    await gates.closePendingGates(run.id, 'run aborted');
    let posts = 0;
    const post = async () => {
      posts++;
      return { ts: '1.1' };
    };
    expect(await gates.recordGateMessageOnce(gate.id, post)).toBeNull();
    expect(await gates.recordGateMessageOnce('00000000-0000-4000-8000-000000000000', post)).toBeNull();
    expect(await gates.recordGateMessageOnce("x'; DROP TABLE gates; --", post)).toBeNull();
    expect(posts).toBe(0);
  });

  it('records nothing when the post fails, so a later call can post', async () => {
    const run = await newRun();
    const { gate } = await gates.createGate(gateInput(run), posted(run));
    await expect(
      gates.recordGateMessageOnce(gate.id, async () => {
        throw new Error('channel_not_found');
      }),
    ).rejects.toThrow('channel_not_found');
    expect((await gates.getGate(gate.id))?.messageTs).toBeNull();
    expect((await gates.recordGateMessageOnce(gate.id, async () => ({ ts: '2.2' })))?.gate.messageTs).toBe(
      '2.2',
    );
  });
});
