import { describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import type { RunEvent } from '../../src/domain/run-event.js';
import {
  phaseDurations,
  SOAK_APPROVER,
  type SoakReport,
  type SoakRun,
  soakFigures,
  soakProblems,
} from '../support/run-soak.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
let nextId = 1;
const event = (s: number, kind: string, details: Record<string, unknown> = {}, actor = 'bot'): RunEvent => ({
  id: nextId++,
  runId: 'soak01-1',
  at: at(s),
  actor,
  kind,
  phase: null,
  details,
});
const gate = (
  id: string,
  kind: Gate['kind'],
  targetWeight: number,
  requested: number,
  decided: number,
): Gate => ({
  id,
  runId: 'soak01-1',
  kind,
  targetWeight,
  status: 'approved',
  requestedBy: null,
  requestedAt: at(requested),
  expiresAt: at(3600),
  decidedBy: SOAK_APPROVER,
  requiredApprovals: 1,
  decidedAt: at(decided),
  messageTs: '1.1',
  comparison: null,
});

/** A correct run of plan [50, 100]: preparation, two steps and completion, all approved once. */
function correctRun(): SoakRun {
  const gates = [
    gate('g1', 'shift', 50, 10, 11),
    gate('g2', 'shift', 100, 15, 16),
    gate('g3', 'complete', 100, 20, 21),
  ];
  const approved = (g: Gate, s: number) =>
    event(s, 'gate.approved', { gateId: g.id, kind: g.kind, targetWeight: g.targetWeight }, SOAK_APPROVER);
  const events = [
    event(0, 'command.start', {}, 'U0SOAKREQ'),
    event(2, 'job.preflight.succeeded'),
    event(4, 'job.backup.succeeded'),
    event(6, 'job.restore.succeeded'),
    event(7, 'job.deploy.succeeded'),
    event(9, 'job.verify.succeeded'),
    approved(gates[0] as Gate, 11),
    event(12, 'traffic.weight_applied'),
    approved(gates[1] as Gate, 16),
    event(16.5, 'traffic.weight_applied'),
    approved(gates[2] as Gate, 21),
  ];
  return {
    environment: 'soak01',
    runId: 'soak01-1',
    channel: 'C0SOAK0001',
    phase: 'completed',
    cardPosted: true,
    appliedWeight: 100,
    planSteps: [50, 100],
    startAck: { status: 200, ms: 40, body: '' },
    routerWeights: [
      { x: 50, y: 50 },
      { x: 0, y: 100 },
    ],
    events,
    gates,
    clicks: gates.map((g) => ({ gateId: g.id, status: 200, ms: 10, body: '' })),
    phaseMs: phaseDurations(events, gates, at(22)),
    load: { balanced: null, xDirect: null },
  };
}

const report = (runs: SoakRun[]): SoakReport => ({
  wallMs: 30_000,
  timedOut: false,
  runs,
  botWarnings: [],
  ownDatabaseWarnings: 0,
});

describe('soakProblems', () => {
  it('finds nothing wrong with a correct run', () => {
    expect(soakProblems(report([correctRun()]))).toEqual([]);
  });

  it('names a duplicated or out-of-order router call', () => {
    const twice = {
      ...correctRun(),
      routerWeights: [
        { x: 50, y: 50 },
        { x: 50, y: 50 },
        { x: 0, y: 100 },
      ],
    };
    const swapped = {
      ...correctRun(),
      runId: 'soak02-1',
      routerWeights: [
        { x: 0, y: 100 },
        { x: 50, y: 50 },
      ],
    };
    const problems = soakProblems(report([twice, swapped]));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^soak01-1: router received/);
    expect(problems[1]).toMatch(/^soak02-1: router received/);
  });

  it('names a gate decided twice, a refused click, a missing decision and a run that did not complete', () => {
    const run = correctRun();
    const g1 = run.gates[0] as Gate;
    const bad: SoakRun = {
      ...run,
      phase: 'observing',
      events: [
        ...run.events.filter((e) => !(e.kind === 'gate.approved' && e.details.gateId === 'g3')),
        event(11.2, 'gate.approved', { gateId: g1.id, kind: 'shift', targetWeight: 50 }, SOAK_APPROVER),
        event(11.3, 'gate.refused', { gateId: g1.id, code: 'not_pending' }, SOAK_APPROVER),
      ],
    };
    const problems = soakProblems(report([bad])).join('\n');
    expect(problems).toMatch(/ended observing, not completed/);
    expect(problems).toMatch(/gate shift 50 decided 2 times/);
    expect(problems).toMatch(/gate complete 100 decided 0 times/);
    expect(problems).toMatch(/1 clicks refused: \["not_pending"\]/);
    expect(problems).toMatch(/audit log decisions/);
  });

  it('names a timeout, a failed ack, a missing card and a rollback gate left pending', () => {
    const run = correctRun();
    const rollback: Gate = {
      ...gate('g4', 'rollback', 0, 13, 0),
      status: 'pending',
      decidedAt: null,
      decidedBy: null,
    };
    const bad: SoakRun = {
      ...run,
      cardPosted: false,
      startAck: { status: 500, ms: 3, body: '' },
      gates: [...run.gates, rollback],
    };
    const problems = soakProblems({ ...report([bad]), timedOut: true }).join('\n');
    expect(problems).toMatch(/had not all ended after 30 s/);
    expect(problems).toMatch(/start answered HTTP 500/);
    expect(problems).toMatch(/no run card was posted/);
    expect(problems).toMatch(/gate rollback 0 is pending/);
  });
});

describe('phaseDurations and soakFigures', () => {
  it('splits a run into preparation phases, approval waits, steps, observation and completion', () => {
    expect(correctRun().phaseMs).toEqual({
      preflight: [2000],
      backup: [2000],
      restore: [2000],
      deploy: [1000],
      verify: [2000],
      awaiting_gate: [1000, 1000, 1000],
      shifting: [1000, 500],
      observing: [3000, 3500],
      completing: [1000],
    });
  });

  it('summarises every run together, with the ack latencies', () => {
    const figures = soakFigures(
      report([correctRun(), { ...correctRun(), runId: 'soak02-1', phase: 'failed' }]),
    );
    expect(figures.runs).toBe(2);
    expect(figures.completed).toBe(1);
    expect(figures.wallSeconds).toBe(30);
    expect(figures.phases.observing).toMatchObject({ count: 4, p50: 3000, p95: 3500 });
    expect(figures.startAckMs).toMatchObject({ count: 2, p50: 40 });
    expect(figures.clickAckMs).toMatchObject({ count: 6, p95: 10 });
  });
});
