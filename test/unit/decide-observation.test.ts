import { describe, expect, it } from 'vitest';
import { decide } from '../../src/domain/decide.js';
import type { DomainEvent, Verdict } from '../../src/domain/domain-event.js';
import { buildRun } from '../support/build-run.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const observing = buildRun({
  phase: 'observing',
  appliedWeight: 25,
  stepIndex: 1,
  phaseStartedAt: T0,
  stepStartedAt: T0,
  xFingerprinted: true,
});
const policy = { observeSeconds: 600, intervalSeconds: 60 };

function comparison(
  verdict: Verdict,
  o: Partial<Extract<DomainEvent, { type: 'comparison_made' }>> = {},
): DomainEvent {
  return {
    type: 'comparison_made',
    verdict,
    failing: verdict === 'fail' ? ['5xx ratio on Y 3.1 % vs X 0.1 %'] : [],
    drift: [],
    rollbackPending: false,
    ...o,
  };
}

function gates(d: ReturnType<typeof decide>) {
  return d.ok ? d.effects.filter((e) => e.type === 'request_gate') : [];
}

describe('decide: observation', () => {
  it.each<[string, Parameters<typeof decide>[0], Verdict, number, object[]]>([
    [
      'pass after the observation period -> next step',
      observing,
      'pass',
      601,
      [{ kind: 'shift', targetWeight: 50 }],
    ],
    [
      'warn after the observation period -> next step, warning shown',
      observing,
      'warn',
      601,
      [{ kind: 'shift', targetWeight: 50 }],
    ],
    ['pass too early -> nothing', observing, 'pass', 599, []],
    ['insufficient data -> never a gate', observing, 'insufficient_data', 5000, []],
    ['fail early -> rollback gate at once', observing, 'fail', 10, [{ kind: 'rollback', targetWeight: 0 }]],
    [
      'fail while a gate waits -> rollback gate',
      buildRun({ phase: 'awaiting_gate', appliedWeight: 25 }),
      'fail',
      10,
      [{ kind: 'rollback' }],
    ],
    [
      'pass at 100 % -> completion gate',
      buildRun({ ...observing, appliedWeight: 100, stepIndex: 3 }),
      'pass',
      601,
      [{ kind: 'complete', targetWeight: 100 }],
    ],
    ['paused -> no next step', buildRun({ ...observing, paused: true }), 'pass', 601, []],
  ])('%s', (_name, run, verdict, seconds, expected) => {
    const d = decide(run, comparison(verdict), at(seconds), policy);
    expect(d.ok).toBe(true);
    expect(gates(d)).toEqual(expected.map((e) => expect.objectContaining(e)));
  });

  it('a failure never rolls back by itself, and is not proposed twice', () => {
    const d = decide(observing, comparison('fail'), at(10), policy);
    expect(d.ok && d.patch).toEqual({ lastVerdict: 'fail', stepFailing: true, driftDetected: false });
    expect(d.ok && d.effects.some((e) => e.type === 'enqueue')).toBe(false);
    const again = decide(observing, comparison('fail', { rollbackPending: true }), at(20), policy);
    expect(gates(again)).toEqual([]);
  });

  it('drift blocks the increase and names the changed entity', () => {
    const d = decide(
      observing,
      comparison('pass', { drift: [{ type: 'routes', id: 'r1', name: 'orders', change: 'changed' }] }),
      at(601),
      policy,
    );
    expect(gates(d)).toEqual([]);
    expect(d.ok && d.effects.find((e) => e.type === 'thread')).toMatchObject({
      text: expect.stringContaining('routes orders: changed'),
    });
  });

  it('a warning after a failing window at the same step offers nothing (the whole period must pass)', () => {
    const failedEarlier = { ...observing, stepFailing: true };
    expect(gates(decide(failedEarlier, comparison('warn'), at(700), policy))).toEqual([]);
    expect(gates(decide(failedEarlier, comparison('pass'), at(700), policy))).toEqual([]);
  });

  it('no next step while a rollback gate is open', () => {
    expect(
      gates(decide(observing, comparison('pass'), at(700), { ...policy, rollbackPending: true })),
    ).toEqual([]);
  });

  it('the plan position follows the confirmed weight: off-plan and decreased weights offer the next step above', () => {
    const at60 = { ...observing, appliedWeight: 60, stepIndex: 2 };
    expect(gates(decide(at60, comparison('pass'), at(601), policy))).toEqual([
      expect.objectContaining({ kind: 'shift', targetWeight: 100 }),
    ]);
    // Back down to 70 from 100: not completion, the step back up to 100.
    const at70 = { ...observing, appliedWeight: 70, stepIndex: 2 };
    expect(gates(decide(at70, comparison('pass'), at(601), policy))).toEqual([
      expect.objectContaining({ kind: 'shift', targetWeight: 100 }),
    ]);
  });

  it('a failure at a waiting step replaces the pending step with a rollback gate', () => {
    const waiting = { ...observing, phase: 'awaiting_gate' as const };
    const d = decide(waiting, comparison('fail'), at(10), policy);
    expect(d.ok && d.patch).toMatchObject({ phase: 'observing', stepFailing: true });
    expect(gates(d)).toEqual([expect.objectContaining({ kind: 'rollback' })]);
  });

  it('no drift check this time -> no gate yet', () => {
    expect(gates(decide(observing, comparison('pass', { drift: null }), at(601), policy))).toEqual([]);
  });
});

describe('decide: shift and rollback requests', () => {
  it('shift asks for an approval of that weight, only when Y is verified and nothing moves', () => {
    const ready = { ...observing, lastVerdict: 'pass' as const };
    const d = decide(ready, { type: 'shift_requested', actor: 'U1', percent: 40 }, at(601), policy);
    expect(gates(d)).toEqual([
      expect.objectContaining({ kind: 'shift', targetWeight: 40, requestedBy: 'U1' }),
    ]);
    expect(
      decide(buildRun({ phase: 'backup' }), { type: 'shift_requested', actor: 'U1', percent: 40 }, T0).ok,
    ).toBe(false);
    expect(
      decide(buildRun({ phase: 'shifting' }), { type: 'shift_requested', actor: 'U1', percent: 40 }, T0).ok,
    ).toBe(false);
    expect(decide(ready, { type: 'shift_requested', actor: 'U1', percent: 25 }, at(601), policy).ok).toBe(
      false,
    );
  });

  it('a manual shift upward obeys the plan-step rules; a decrease does not wait', () => {
    const ask = (run: typeof observing, percent: number, s = 601, rollbackPending = false) =>
      decide(run, { type: 'shift_requested', actor: 'U1', percent }, at(s), { ...policy, rollbackPending });
    const ready = { ...observing, lastVerdict: 'pass' as const };
    expect(ask(ready, 100).ok).toBe(true);
    const early = ask(ready, 100, 30);
    expect(early.ok).toBe(false);
    expect(!early.ok && early.reason).toContain('observation period');
    expect(ask({ ...ready, stepFailing: true }, 100).ok).toBe(false);
    expect(ask({ ...ready, lastVerdict: null }, 100).ok).toBe(false);
    expect(ask({ ...ready, driftDetected: true }, 100).ok).toBe(false);
    expect(ask({ ...ready, xFingerprinted: false }, 100).ok).toBe(false);
    const pending = ask(ready, 100, 601, true);
    expect(!pending.ok && pending.reason).toContain('rollback approval is open');
    // Going down is a partial rollback: at once, and even with a rollback open.
    expect(ask({ ...ready, stepFailing: true }, 5, 10, true).ok).toBe(true);
  });

  it('rollback asks for an approval from any active phase, but not twice while rolling back', () => {
    for (const phase of ['backup', 'observing', 'awaiting_gate', 'shifting'] as const) {
      expect(
        gates(decide(buildRun({ phase }), { type: 'rollback_requested', actor: 'U1' }, T0)),
      ).toHaveLength(1);
    }
    expect(
      decide(buildRun({ phase: 'rolling_back' }), { type: 'rollback_requested', actor: 'U1' }, T0).ok,
    ).toBe(false);
    expect(decide(buildRun({ phase: 'completed' }), { type: 'rollback_requested', actor: 'U1' }, T0).ok).toBe(
      false,
    );
  });

  it('a warning at 100 % leaves a pending completion gate alone: no gate closed, replaced or offered again', () => {
    const waiting = buildRun({
      phase: 'awaiting_gate',
      appliedWeight: 100,
      stepIndex: 3,
      phaseStartedAt: T0,
      stepStartedAt: T0,
      xFingerprinted: true,
      lastVerdict: 'pass',
    });
    const d = decide(
      waiting,
      comparison('warn', { failing: ["p99 on Y 206 ms vs X 67 ms — against X's earlier window"] }),
      at(700),
      policy,
    );
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.effects.filter((e) => e.type === 'request_gate' || e.type === 'close_gates')).toEqual([]);
    expect(d.patch.phase).toBeUndefined();
    expect(d.patch.stepFailing).toBeUndefined();
    expect(d.patch.lastVerdict).toBe('warn');
  });
});
